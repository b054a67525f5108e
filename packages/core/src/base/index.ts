/**
 * The base of core: named errors, the event emitter, timing (retry, soon), bytes, redaction and
 * an unbiased shuffle.
 * Imports nothing of core.
 */

export { concat, equalBytes, fromBase64Url, fromHex, fromUtf8, toBase64Url, toHex, utf8 } from './bytes.ts';
export { Reader, utf8Text, Writer } from './codec.ts';
export { CoreError, type CoreErrorCode, InboundError } from './errors.ts';
export { Emitter } from './events.ts';
export { redact } from './redact.ts';
export { ACK_TIMEOUT_MS, RETRY_MAX_DELAY_MS, retryDelayMs } from './retry.ts';
export { type RandomBytes, shuffled, uniformInt } from './shuffle.ts';
export { soon } from './soon.ts';
