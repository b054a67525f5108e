/**
 * When the outbox tries again (D1): capped exponential backoff with jitter,
 * and at once when the peer connects.
 */
export const RETRY_BASE_DELAY_MS = 1_000;
export const RETRY_MAX_DELAY_MS = 60_000;
/** After a frame was written but no ACK came back, resend after this long. */
export const ACK_TIMEOUT_MS = 15_000;

/** Delay before attempt number `attempts + 1`; `jitter` in [0, 1). */
export function retryDelayMs(attempts: number, jitter: number): number {
  const exp = RETRY_BASE_DELAY_MS * 2 ** Math.min(Math.max(attempts - 1, 0), 16);
  const capped = Math.min(exp, RETRY_MAX_DELAY_MS);
  return Math.round(capped * (0.75 + 0.5 * jitter));
}
