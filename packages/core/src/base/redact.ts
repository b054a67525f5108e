/** Makes an object that holds secrets print `[redacted]` (JSON, String, Node's inspect). */
export function redact<T extends object>(value: T): T {
  const hidden = (): string => '[redacted]';
  Object.defineProperties(value, {
    toJSON: { value: hidden },
    toString: { value: hidden },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: hidden },
  });
  return value;
}
