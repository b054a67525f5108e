/**
 * The OpenRPC 1.3 document of the local API (https://spec.open-rpc.org), built from schema.ts:
 * the daemon serves it as `rpc.discover`. Apart from the package's main entry so that a bundle
 * that only calls the API does not carry the JSON Schema converter.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { METHOD_NAMES, METHODS } from './schema.ts';

export const OPENRPC_VERSION = '1.3.2';

type Json = { readonly [key: string]: unknown };

const OPTIONAL_KINDS = new Set(['optional', 'nullish', 'exact_optional', 'undefinedable']);

/** JSON Schema (draft-07, as OpenRPC 1.3 uses) of a valibot schema, without the `$schema` key. */
function jsonSchema(schema: v.GenericSchema): Json {
  // errorMode 'ignore': checks JSON Schema cannot state (none today beyond finite numbers) are left out.
  const { $schema: _, ...rest } = toJsonSchema(schema, { errorMode: 'ignore' }) as Json;
  return rest;
}

/** Each method with its params by name (JSON-RPC "by-name"), as OpenRPC content descriptors. */
function methodObject(name: (typeof METHOD_NAMES)[number]): Json {
  const spec = METHODS[name];
  const params = Object.entries(spec.params.entries).map(([key, schema]) => ({
    name: key,
    required: !OPTIONAL_KINDS.has(schema.type),
    schema: jsonSchema(schema),
  }));
  return {
    name,
    summary: spec.summary,
    paramStructure: 'by-name',
    params,
    result: { name: 'result', schema: jsonSchema(spec.result) },
    ...('tokenOnly' in spec ? { 'x-token-only': true } : {}),
  };
}

/** The document; `version` is the daemon's. */
export function openRpcDocument(version: string): Json {
  return {
    openrpc: OPENRPC_VERSION,
    info: {
      title: 'Parley local API',
      version,
      description:
        'The Parley daemon on 127.0.0.1: JSON-RPC 2.0 at POST /rpc with the API token as a Bearer token (docs/API.md).',
    },
    methods: METHOD_NAMES.map(methodObject),
  };
}
