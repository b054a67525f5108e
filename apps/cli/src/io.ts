/** The command's window on the world, injectable for tests. */
import type { Readable } from 'node:stream';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin?: Readable;
  readonly stdinIsTTY?: boolean;
  readonly stdoutIsTTY?: boolean;
}

export interface Global {
  readonly json: boolean;
  readonly home: string | undefined;
}

/** One JSON object per line (NDJSON) in --json mode. */
export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}

/** Reads all of stdin as UTF-8. */
export async function readStdin(io: Io): Promise<string> {
  if (!io.stdin) return '';
  let text = '';
  for await (const chunk of io.stdin)
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
  return text;
}

/** Yields stdin line by line. */
export async function* stdinLines(io: Io): AsyncGenerator<string> {
  if (!io.stdin) return;
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) yield line;
}

/** Asks for a secret on the terminal without echoing it. */
export async function promptHidden(io: Io, question: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const { Writable } = await import('node:stream');
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) io.stderr(String(chunk));
      done();
    },
  });
  const rl = createInterface({ input: io.stdin ?? process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      io.stderr('\n');
      resolve(answer);
    });
    muted = true;
  });
}
