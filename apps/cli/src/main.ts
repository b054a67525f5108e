import { EXIT_OK, EXIT_USAGE } from './exit-codes.ts';
import { VERSION } from './version.ts';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const USAGE = `parley ${VERSION} — peer-to-peer, end-to-end encrypted messaging

Usage: parley <command> [options]

Options:
  --version     print the version and exit
  --help, -h    print this help and exit
  --json        machine-readable output (NDJSON for streams)

Commands arrive as the messenger lands; see docs/CLI.md.
`;

/** Runs the CLI with the given arguments; returns the process exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h' || rest[0] === 'help') {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (rest[0] === '--version' || rest[0] === 'version') {
    io.stdout(json ? `${JSON.stringify({ version: VERSION })}\n` : `parley ${VERSION}\n`);
    return EXIT_OK;
  }
  const what = rest[0]?.startsWith('-') ? `option "${rest[0]}"` : `command "${rest[0]}"`;
  io.stderr(`parley: unknown ${what}; run "parley --help" to see what is available\n`);
  return EXIT_USAGE;
}
