#!/usr/bin/env node
/**
 * The rank check for @parley/core (issue 16, "core in feature folders"): every folder of
 * packages/core/src has a rank, and a file may import only
 *   - files of its own folder (directly, never through its own index.ts),
 *   - the index.ts of a folder of a LOWER rank (a folder's index.ts is its public face).
 * So no feature imports a sibling of the same rank (attachments, groups and channels stay apart),
 * nothing imports upward, and nobody reaches into another folder's internals. The package root
 * (src/index.ts) may import any folder, through its index.ts. Type-only imports count too.
 *
 * Usage: node scripts/check-ranks.mjs [src-root]   (default: packages/core/src)
 * Exit 0 when clean; 1 with one `file:line: why` per violation. Plain Node, no dependencies.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Lower ranks first. Folders of the same rank never import each other. */
export const RANKS = {
  base: 0, // errors, events, timing, bytes, redaction: imports nothing of core
  ports: 1, // Store, Transport, BlobStore: the interfaces the other packages implement
  wire: 2, // frames, application messages, invites: pure codecs
  search: 2, // search text: index tokens, query terms, highlights, snippets (pure)
  account: 3, // the account and its vault
  views: 4, // what the messenger shows (JSON-able view types), message bodies sealed at rest
  context: 5, // Ctx: what every part shares (no feature types)
  sessions: 6, // Double Ratchet sessions at rest
  contacts: 7, // contacts, invites, prekeys, address scope
  devices: 7, // several devices, one person: device lists, fan-out targets, linking, history codec
  messaging: 8, // compose, outbox pump, send queue, what every incoming message shares
  attachments: 9,
  groups: 9,
  channels: 9,
  mailbox: 9, // mailboxes: the protocol, the envelope, the server, pairing and depositing
  inbound: 10, // the one dispatcher of incoming frames and messages
  messenger: 11, // the composition root
  testing: 12, // in-memory Store and Transport (`@parley/core/testing`): imported by nothing in src
};

const FACE = 'index.ts';
const SOURCE = /\.(ts|mts|tsx|js|mjs)$/;

/** The source with comments and string/template contents blanked (newlines kept), so that
 * commented-out imports are not read and line numbers stay right. Specifier strings are kept. */
function stripComments(src) {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      i += 2;
      while (i < src.length && !(src[i] === '*' && src[i + 1] === '/')) out += src[i++] === '\n' ? '\n' : ' ';
      i += 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = c;
      out += src[i++];
      while (i < src.length && src[i] !== end) {
        if (src[i] === '\\') out += src[i++];
        out += src[i++];
      }
      out += src[i++] ?? '';
    } else out += src[i++];
  }
  return out;
}

/** Relative import/export specifiers of a file, with their line numbers. */
export function specifiers(src) {
  const text = stripComments(src);
  const found = [];
  const re =
    /(?:^|[;\n}])\s*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1|(?:^|[;\n])\s*import\s*(['"])([^'"]+)\3|\bimport\s*\(\s*(['"])([^'"]+)\5\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[2] ?? m[4] ?? m[6];
    if (!spec?.startsWith('.')) continue;
    const at = m.index + m[0].indexOf(spec);
    found.push({ spec, line: text.slice(0, at).split('\n').length });
  }
  return found;
}

function filesUnder(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (SOURCE.test(e.name) && !/\.d\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Every violation under `root` (a package's src folder), as `file:line: why` strings. */
export function checkRanks(root, ranks = RANKS) {
  const problems = [];
  const rel = (p) => path.relative(process.cwd(), p);
  const folderOf = (file) => {
    const r = path.relative(root, file);
    return r.startsWith('..') || path.isAbsolute(r) ? null : r.includes(path.sep) ? r.split(path.sep)[0] : '';
  };
  for (const e of readdirSync(root, { withFileTypes: true }))
    if (e.isDirectory() && !(e.name in ranks))
      problems.push(
        `${rel(path.join(root, e.name))}: folder "${e.name}" has no rank in scripts/check-ranks.mjs`,
      );
  for (const file of filesUnder(root)) {
    const from = folderOf(file);
    for (const { spec, line } of specifiers(readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), spec);
      const to = folderOf(target);
      const where = `${rel(file)}:${line}`;
      const targetIsFace = path.relative(root, target) === path.join(to ?? '', FACE);
      if (to === null) problems.push(`${where}: imports ${spec}, outside ${rel(root)}`);
      else if (to === '') {
        problems.push(`${where}: imports the package root (${spec}); import the folder that holds it`);
      } else if (to === from) {
        if (targetIsFace)
          problems.push(`${where}: imports its own folder's ${FACE}; import the file directly`);
      } else if (!(to in ranks)) {
        problems.push(`${where}: imports ${spec}, in folder "${to}" that has no rank`);
      } else if (from !== '' && ranks[to] > ranks[from]) {
        problems.push(
          `${where}: ${from} (rank ${ranks[from]}) imports ${to} (rank ${ranks[to]}), a higher rank`,
        );
      } else if (from !== '' && ranks[to] === ranks[from]) {
        problems.push(`${where}: ${from} imports ${to}, a sibling of the same rank (${ranks[to]})`);
      } else if (!targetIsFace) {
        problems.push(`${where}: imports ${spec}, inside ${to}/; import ${to}/${FACE}, its public face`);
      }
    }
  }
  for (const folder of Object.keys(ranks)) {
    const dir = path.join(root, folder);
    if (existsSync(dir) && statSync(dir).isDirectory() && !existsSync(path.join(dir, FACE)))
      problems.push(`${rel(dir)}: has no ${FACE} (its public face)`);
  }
  return problems;
}

if (import.meta.filename === path.resolve(process.argv[1] ?? '')) {
  const root = path.resolve(
    process.argv[2] ?? path.join(import.meta.dirname, '..', 'packages', 'core', 'src'),
  );
  const problems = checkRanks(root);
  if (problems.length > 0) {
    console.error(
      `check-ranks: ${problems.length} import(s) break the ranks of ${path.relative(process.cwd(), root) || '.'}`,
    );
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log(`check-ranks: ${path.relative(process.cwd(), root) || '.'} keeps its ranks`);
}
