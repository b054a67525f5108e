import { CliError, usageError } from '../cli-error.ts';
import { type Io, promptHidden, readStdin } from '../io.ts';

/** The passphrase from stdin's first line (--passphrase-stdin) or an interactive prompt. */
export async function readPassphrase(io: Io, fromStdin: boolean, confirm: boolean): Promise<string> {
  if (fromStdin) {
    const line = (await readStdin(io)).split(/\r?\n/)[0] ?? '';
    if (line.length === 0) throw usageError('--passphrase-stdin was given but stdin had no passphrase');
    return line;
  }
  if (!io.stdinIsTTY) {
    throw usageError('no terminal to ask for the passphrase: pass it on stdin with --passphrase-stdin');
  }
  const first = await promptHidden(io, 'Passphrase: ');
  if (confirm) {
    const second = await promptHidden(io, 'Repeat the passphrase: ');
    if (first !== second)
      throw new CliError('passphrase-mismatch', 'the two passphrases differ; nothing was created');
  }
  return first;
}
