import { REDACTED } from '@parley/crypto';

/**
 * Makes an existing object that holds secrets print `[redacted]` (JSON, String, Node's inspect),
 * as crypto's `Redacted` class does for the values it creates.
 */
export function redact<T extends object>(value: T): T {
  const hidden = (): string => REDACTED;
  Object.defineProperties(value, {
    toJSON: { value: hidden },
    toString: { value: hidden },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: hidden },
  });
  return value;
}
