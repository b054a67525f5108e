/** A progress bar on stderr (only on a terminal; scripts get no noise). */
import type { Io } from './io.ts';

const WIDTH = 30;

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export interface ProgressBar {
  update(done: number, total: number, label: string): void;
  done(): void;
}

export function progressBar(io: Io, isTTY: boolean): ProgressBar {
  let shown = false;
  return {
    update(done, total, label) {
      if (!isTTY) return;
      const ratio = total === 0 ? 1 : Math.min(1, done / total);
      const filled = Math.round(ratio * WIDTH);
      io.stderr(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(ratio * 100)}% ${mb(done)}/${mb(total)}\x1b[K`,
      );
      shown = true;
    },
    done() {
      if (shown) io.stderr('\n');
      shown = false;
    },
  };
}
