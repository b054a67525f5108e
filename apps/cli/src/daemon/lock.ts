/**
 * One daemon per data folder: a lock file created exclusively, holding the
 * daemon's pid. A lock left by a dead process (kill -9) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { CliError } from '../cli-error.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns a release function; throws CliError('daemon-running') if a live daemon holds the lock. */
export function acquireLock(path: string, dir: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new CliError(
          'daemon-running',
          `a Parley daemon is already running for ${dir} (pid ${pid}); stop it first with "parley daemon --stop" or use another --home`,
        );
      }
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new CliError(
    'daemon-running',
    `could not take the daemon lock ${path}; remove it if no daemon is running`,
  );
}
