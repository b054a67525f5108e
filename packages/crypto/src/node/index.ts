/**
 * `@parley/crypto/node`: the node:crypto backend, the default on Node.
 * @example
 * import { defaultPrimitives } from '@parley/crypto/node';
 * const p = defaultPrimitives(); // nodePrimitives
 * @module
 */
import type { Primitives } from '../primitives.ts';
import { nodePrimitives } from './backend.ts';

export {
  NATIVE_AEAD_MIN_BYTES,
  NATIVE_SHA256_MIN_BYTES,
  nodeOnlyPrimitives,
  nodePrimitives,
} from './backend.ts';
export { loadWasmAead as wasmAeadReady, WASM_AEAD_MAX_BYTES } from './wasm-aead.ts';

/**
 * The backend core should use on Node: node:crypto (native X25519 is ~35×
 * faster than pure JS, which is what makes direction changes cheap).
 * @example const p = defaultPrimitives(); encrypt(session, bytes, p);
 */
export function defaultPrimitives(): Primitives {
  return nodePrimitives;
}
