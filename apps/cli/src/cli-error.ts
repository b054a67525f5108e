import { EXIT_FAILURE, EXIT_IDENTITY_CHANGED, EXIT_UNAVAILABLE, EXIT_USAGE } from './exit-codes.ts';

/** An error that ends the command with a message for a person and an exit code for a script. */
export class CliError extends Error {
  readonly exitCode: number;
  /** Stable machine-readable code (also in --json error output). */
  readonly code: string;
  constructor(code: string, message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string): CliError => new CliError('usage', message, EXIT_USAGE);

/** Maps a daemon/core error code to the documented exit code. */
export function exitCodeFor(code: string): number {
  if (code === 'identity-changed') return EXIT_IDENTITY_CHANGED;
  if (code === 'daemon-not-running' || code === 'unreachable') return EXIT_UNAVAILABLE;
  if (code === 'usage') return EXIT_USAGE;
  return EXIT_FAILURE;
}
