/**
 * `parley search TEXT [--in NAME] [--limit N]`: full-text search over every conversation, newest
 * first (docs/CLI.md). Human output: a header line per hit (conversation, date and time, sender)
 * and the snippet with the matched terms in bold on a terminal, between « » otherwise. --json: one
 * hit per line, as the API returns it (docs/API.md `messages.search`).
 */
import { parseArgs } from 'node:util';
import type { SearchHit } from '@parley/client';
import { SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX } from '@parley/core';
import { usageError } from '../cli-error.ts';
import { connect } from '../client.ts';
import { EXIT_OK } from '../exit-codes.ts';
import { CONTINUATION, sanitize } from '../format.ts';
import { resolveHome } from '../home.ts';
import { type Global, type Io, printJson } from '../io.ts';

const USAGE = 'usage: parley search TEXT [--in NAME] [--limit N]';

/** How matched terms are marked: ANSI bold on a terminal, « » in a file or pipe. */
export interface Marks {
  readonly open: string;
  readonly close: string;
}
export const TTY_MARKS: Marks = { open: '\u001b[1m', close: '\u001b[22m' };
export const PLAIN_MARKS: Marks = { open: '«', close: '»' };

/** The snippet with its highlighted ranges marked; every piece sanitized (the text is untrusted). */
export function markSnippet(
  snippet: string,
  highlights: readonly (readonly [number, number])[],
  marks: Marks,
): string {
  let out = '';
  let at = 0;
  for (const [start, end] of highlights) {
    if (start < at || end <= start) continue;
    out +=
      sanitize(snippet.slice(at, start)) + marks.open + sanitize(snippet.slice(start, end)) + marks.close;
    at = end;
  }
  return out + sanitize(snippet.slice(at));
}

const two = (n: number): string => String(n).padStart(2, '0');
function when(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** One hit for a person: "bob · 2026-12-06 14:02 · me" and the marked snippet below it. */
export function formatHit(hit: SearchHit, marks: Marks): string {
  const m = hit.message;
  const where =
    hit.kind === 'direct' ? sanitize(hit.conversation) : `${sanitize(hit.conversation)} (${hit.kind})`;
  const who = m.direction === 'out' ? 'me' : sanitize(m.from);
  const file = m.attachment ? ` [file: ${sanitize(m.attachment.name)}]` : '';
  return `${where} · ${when(m.sentAt)} · ${who}${file}\n${CONTINUATION}${markSnippet(hit.snippet, hit.highlights, marks)}\n`;
}

export async function search(argv: string[], io: Io, global: Global): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { in: { type: 'string' }, limit: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  const query = positionals.join(' ');
  if (query.trim().length === 0) throw usageError(USAGE);
  const limit = values.limit === undefined ? SEARCH_LIMIT_DEFAULT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMIT_MAX)
    throw usageError(`--limit takes a whole number from 1 to ${SEARCH_LIMIT_MAX}`);
  const client = connect(resolveHome(global.home, io.env));
  const { hits } = await client.call('messages.search', {
    query,
    limit,
    ...(values.in === undefined ? {} : { conversation: values.in }),
  });
  if (global.json) {
    for (const hit of hits) printJson(io, hit);
    return EXIT_OK;
  }
  if (hits.length === 0) {
    const where = values.in === undefined ? '' : ` in ${sanitize(values.in)}`;
    io.stderr(`No messages match "${sanitize(query)}"${where}.\n`);
    return EXIT_OK;
  }
  const marks = io.stdoutIsTTY ? TTY_MARKS : PLAIN_MARKS;
  for (const hit of hits) io.stdout(formatHit(hit, marks));
  return EXIT_OK;
}
