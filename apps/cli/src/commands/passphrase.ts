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

/** The current passphrase (undefined: a key file protects the account) and the new one. */
export interface PassphraseChange {
  readonly current: string | undefined;
  readonly next: string;
}

/**
 * For `parley passphrase`: from stdin's first two lines (--passphrase-stdin; only the new one when
 * a key file protects the account), or asked on the terminal, the new one twice.
 */
export async function readPassphraseChange(
  io: Io,
  fromStdin: boolean,
  hasPassphrase: boolean,
): Promise<PassphraseChange> {
  if (fromStdin) {
    const lines = (await readStdin(io)).split(/\r?\n/);
    const [current, next] = hasPassphrase ? [lines[0], lines[1]] : [undefined, lines[0]];
    if ((hasPassphrase && !current) || !next)
      throw usageError(
        hasPassphrase
          ? '--passphrase-stdin needs two lines on stdin: the current passphrase, then the new one'
          : '--passphrase-stdin needs the new passphrase on the first line of stdin',
      );
    return { current, next };
  }
  if (!io.stdinIsTTY) {
    throw usageError('no terminal to ask for the passphrases: pass them on stdin with --passphrase-stdin');
  }
  const current = hasPassphrase ? await promptHidden(io, 'Current passphrase: ') : undefined;
  const next = await promptHidden(io, 'New passphrase: ');
  if (next !== (await promptHidden(io, 'Repeat the new passphrase: ')))
    throw new CliError('passphrase-mismatch', 'the two new passphrases differ; nothing was changed');
  return { current, next };
}
