/** Checks a call's params against the method's schema (schema.ts); used by the daemon. */
import * as v from 'valibot';
import { type CheckedParams, METHODS, type MethodName } from './schema.ts';

export type ParamsCheck<M extends MethodName> =
  | { readonly ok: true; readonly params: CheckedParams<M> }
  | { readonly ok: false; readonly message: string };

/**
 * Validates `params` for `method`. Keys the method does not take are dropped (as the daemon always
 * ignored them). On failure, `message` names the parameter: `"name" must be a non-empty string`.
 */
export function checkParams<M extends MethodName>(method: M, params: unknown): ParamsCheck<M> {
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    return { ok: false, message: 'params must be an object' };
  const parsed = v.safeParse(METHODS[method].params, params, { abortEarly: true });
  if (parsed.success) return { ok: true, params: parsed.output as CheckedParams<M> };
  const issue = parsed.issues[0];
  const key = issue.path?.[0]?.key;
  if (typeof key !== 'string') return { ok: false, message: issue.message };
  return {
    ok: false,
    message: `"${key}" ${issue.type === 'object' && issue.path?.length === 1 ? missing(method, key) : issue.message}`,
  };
}

/**
 * A required key that is absent fails in the object schema, with valibot's generic message; the
 * key's own schema, given `undefined`, says what the key must be.
 */
function missing(method: MethodName, key: string): string {
  const entry = (METHODS[method].params.entries as v.ObjectEntries)[key];
  const parsed = entry ? v.safeParse(entry, undefined, { abortEarly: true }) : undefined;
  return parsed && !parsed.success ? parsed.issues[0].message : 'is required';
}
