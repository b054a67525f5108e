/**
 * File permissions at rest (DESIGN.md §5): the data directory is 0700 and the
 * database files 0600. Modes are set with chmod, not only at creation, so a
 * permissive umask cannot widen them.
 */
import { chmodSync, closeSync, constants, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** SQLite's companions of the database file in WAL mode. */
const COMPANION_SUFFIXES = ['-wal', '-shm'] as const;

/**
 * Creates the directory holding `path` (and missing parents) with mode 0700.
 * An existing directory is left alone: it may be shared, and is not ours.
 */
export function prepareDirectory(path: string): void {
  const dir = dirname(path);
  const firstCreated = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (firstCreated === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, DIR_MODE);
    if (d === firstCreated || dirname(d) === d) break;
  }
}

/** Creates the database file if missing, then makes it 0600 either way (it holds our keys). */
export function prepareDatabaseFile(path: string): void {
  closeSync(openSync(path, constants.O_CREAT | constants.O_RDWR, FILE_MODE));
  chmodSync(path, FILE_MODE);
}

/** Makes the -wal and -shm files 0600 (SQLite copies the database's mode; this makes sure). */
export function tightenCompanionFiles(path: string): void {
  for (const suffix of COMPANION_SUFFIXES) {
    try {
      chmodSync(path + suffix, FILE_MODE);
    } catch (error) {
      // Absent is fine: SQLite creates them (with the database's mode) when needed.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
