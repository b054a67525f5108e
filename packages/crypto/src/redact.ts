/**
 * Objects holding secrets never print them (vodozemac practice): JSON.stringify,
 * String() / template literals and Node's util.inspect all show `[redacted]`.
 * The inspect hook is found through `Symbol.for`, so no node import is needed.
 * @module
 */

/** What every secret-holding object prints as. */
export const REDACTED = '[redacted]';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Base class for secret-holding values.
 * @example class FileKey extends Redacted { ... } // String(fileKey) === '[redacted]'
 */
export class Redacted {
  /** JSON.stringify shows `"[redacted]"`. */
  toJSON(): string {
    return REDACTED;
  }
  /** String() and template literals show `[redacted]`. */
  toString(): string {
    return REDACTED;
  }
}

Object.defineProperty(Redacted.prototype, INSPECT, {
  value: function inspect(): string {
    return `${this.constructor.name} ${REDACTED}`;
  },
});
Object.defineProperty(Redacted.prototype, Symbol.toPrimitive, {
  value: function toPrimitive(): string {
    return REDACTED;
  },
});
