/**
 * Runs `fn` after the I/O already received has been handled: `setImmediate`
 * where the platform has it (Node: right after the poll phase, so every frame
 * read in this round joins the same group commit, with no timer delay), else
 * a zero timeout (browsers).
 */
type Immediate = (fn: () => void) => unknown;
const immediate: Immediate | undefined = (globalThis as { setImmediate?: Immediate }).setImmediate;

export function soon(fn: () => void): void {
  if (immediate) immediate(fn);
  else setTimeout(fn, 0);
}
