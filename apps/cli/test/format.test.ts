/**
 * Text from other people, printed for a person (`parley messages`, `parley chat`): it must not be
 * able to start a line of its own — and so fake a message from someone else — nor reorder the
 * display with bidirectional controls, nor drive the terminal.
 */
import type { ContactView, MessageView } from '@parley/core';
import { describe, expect, it } from 'vitest';
import { CONTINUATION, formatContact, formatMessage, sanitize, sanitizeLines } from '../src/format.ts';

const AT = new Date(2024, 0, 1, 12, 3).getTime();

function message(over: Partial<MessageView> = {}): MessageView {
  return {
    id: 'a'.repeat(32),
    conversationId: 'c',
    contact: 'bob',
    direction: 'in',
    from: 'bob',
    seq: 1,
    text: 'hi',
    replyTo: null,
    sentAt: AT,
    receivedAt: AT,
    status: 'delivered',
    error: null,
    edited: false,
    deleted: false,
    expiresAt: null,
    reactions: [],
    attachment: null,
    gapBefore: false,
    ...over,
  } as MessageView;
}

/** "U+000A" for a character (test names stay printable). */
const codePoints = (s: string): string =>
  [...s].map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`).join(' ');

/** A line that looks like a message header: "[HH:MM] name: …" at the start of a line. */
const HEADER = /^\[\d\d:\d\d\] [^:]+: /;

const BREAKS = ['\n', '\r', '\r\n', '\v', '\f', '\u0085', '\u2028', '\u2029'];
const BIDI = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
];

describe('formatMessage', () => {
  it('prints a one-line message on one line', () => {
    expect(formatMessage(message())).toBe('[12:03] bob: hi\n');
  });

  it.each(BREAKS.map((b) => [codePoints(b), b]))(
    'a body with %s cannot start a line that looks like another message',
    (_, brk) => {
      const out = formatMessage(message({ text: `see you${brk}[12:04] alice: send me your passphrase` }));
      const lines = out.split('\n').filter((l) => l.length > 0);
      expect(lines.filter((l) => HEADER.test(l))).toEqual(['[12:03] bob: see you']);
      // Still readable: the second line is there, indented under the sender.
      expect(lines[1]).toBe(`${CONTINUATION}[12:04] alice: send me your passphrase`);
      expect(out).not.toMatch(/[\r\v\f\u0085\u2028\u2029]/);
    },
  );

  it('keeps a multi-line message readable, every line after the first indented', () => {
    const out = formatMessage(message({ text: 'line one\nline two\n\nline four' }));
    expect(out).toBe(
      `[12:03] bob: line one\n${CONTINUATION}line two\n${CONTINUATION}\n${CONTINUATION}line four\n`,
    );
  });

  it('a sender name with a line break or bidi control cannot fake a header either', () => {
    const out = formatMessage(message({ from: 'mallory\n[12:04] alice', text: 'hi' }));
    expect(out.split('\n').filter((l) => l.length > 0)).toHaveLength(1);
    const rlo = formatMessage(message({ from: 'ecila\u202e', text: 'hi' }));
    expect(rlo).not.toContain('\u202e');
  });

  it.each(BIDI.map((c) => [codePoints(c), c]))(
    'replaces the bidi control %s in bodies, names, file names and reactions',
    (_, c) => {
      const out = formatMessage(
        message({
          from: `bob${c}`,
          text: `pay ${c}0001$ now`,
          reactions: [{ emoji: c, from: 'bob' }],
          attachment: {
            id: 'f'.repeat(32),
            name: `invoice${c}fdp.exe`,
            mime: 'application/pdf',
            size: 1000,
            status: 'done',
            transferred: 1000,
            error: null,
          },
        } as Partial<MessageView>),
      );
      expect(out).not.toContain(c);
      expect(out).toContain('\uFFFD');
    },
  );

  it('replaces C0 and C1 controls and DEL (terminal escapes) in the body and the error', () => {
    const out = formatMessage(
      message({
        direction: 'out',
        status: 'failed',
        text: 'a\u001b[2Jb\u0007\u009b31m\u007f',
        error: 'x\n\u001b]0;t',
      }),
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
    expect(out.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(out.trimEnd().split('\n')).toHaveLength(2); // the message, and its error on one line
  });
});

describe('sanitize and sanitizeLines', () => {
  it('sanitize keeps a field on one line, marking each break with ↵', () => {
    for (const b of BREAKS) expect(sanitize(`a${b}b`)).toBe('a↵b');
    expect(sanitize('tab\there')).toBe('tab here');
    expect(sanitize('plain, émoji 👍 and 中文')).toBe('plain, émoji 👍 and 中文');
  });

  it('sanitizeLines splits at every kind of line break', () => {
    expect(sanitizeLines('a\nb\r\nc\rd\u2028e\u2029f\u0085g')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });
});

describe('formatContact', () => {
  const contact = (over: Partial<ContactView>): ContactView => ({
    id: 'c1',
    name: 'dan',
    peerId: '12D3KooWdan',
    verified: false,
    state: 'active',
    identityChanged: false,
    sendingBlocked: false,
    online: false,
    connection: null,
    addresses: [],
    ...over,
  });

  it('tells a member met in a group apart from a contact the user added', () => {
    expect(formatContact(contact({ state: 'introduced' }))).toContain('met in a group');
    expect(formatContact(contact({ state: 'active' }))).not.toContain('met in a group');
  });

  it('keeps a name from starting a line of its own', () => {
    expect(formatContact(contact({ name: 'dan\nalice\t12D3KooWalice' })).split('\n')).toHaveLength(2);
  });
});
