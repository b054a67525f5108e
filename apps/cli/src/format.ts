/** Human-readable rendering of API results (text mode). Never used for --json. */
import type { ContactView, MessageView } from '@parley/client';

const STATUS_MARK: Record<string, string> = {
  queued: '… queued',
  sent: '✓ sent',
  stored: '✓ stored in their mailbox',
  delivered: '✓✓ delivered',
  read: '✓✓ read',
  failed: '✗ failed',
  received: '',
};

function time(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/*
 * Untrusted text (names, message bodies, file names, emoji) printed for a person must not be able
 * to drive the terminal, start a line of its own (and so fake a message from someone else), or
 * reorder what is displayed. Replaced:
 * - line breaks: CR, LF, VT, FF, NEL, U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR;
 * - every other C0 and C1 control and DEL (ESC starts terminal escape sequences);
 * - bidirectional formatting (Unicode UAX #9 §2): embeddings and overrides U+202A–202E, isolates
 *   U+2066–2069, marks U+200E/200F and U+061C ARABIC LETTER MARK.
 * A tab becomes a space. --json output is JSON-escaped and keeps the text as it is.
 */
const LINE_BREAK = /\r\n|[\n\v\f\r\u0085\u2028\u2029]/g;
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
  /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Shown where a single-line field (a name, a file name) had a line break. */
export const LINE_BREAK_MARK = '↵';
/** Prefix of a message's second and later lines: indented, so no line can pass for a header. */
export const CONTINUATION = '        │ ';

function clean(line: string): string {
  return line.replace(/\t/g, ' ').replace(CONTROL, '\uFFFD');
}

/** One line of untrusted text, safe to print: line breaks become ↵, controls become U+FFFD. */
export function sanitize(text: string): string {
  return clean(text.replace(LINE_BREAK, LINE_BREAK_MARK));
}

/** Untrusted multi-line text, safe to print: its lines, each cleaned like `sanitize`. */
export function sanitizeLines(text: string): string[] {
  return text.split(LINE_BREAK).map(clean);
}

export function formatMessage(m: MessageView): string {
  // Parley's own line in the timeline (a safety number or a device list changed), not a message.
  if (m.notice) return `[${time(m.sentAt)}] -- ${sanitizeLines(m.text).join(' ')}\n`;
  const who = m.direction === 'out' ? 'me' : m.from;
  const gap = m.gapBefore ? '  ⋯ (earlier messages missing)\n' : '';
  const file = m.attachment
    ? `[${m.attachment.mime.startsWith('audio/') ? 'voice' : 'file'}: ${sanitize(m.attachment.name)}, ${(m.attachment.size / 1e6).toFixed(1)} MB, ${m.attachment.status}, id ${m.attachment.id}] `
    : '';
  const lines = m.deleted ? ['(deleted)'] : sanitizeLines(m.text);
  const body = file + lines.join(`\n${CONTINUATION}`);
  const flags = [
    m.edited && !m.deleted ? '(edited)' : '',
    m.direction === 'out' ? (STATUS_MARK[m.status] ?? m.status) : '',
  ]
    .filter(Boolean)
    .join(' ');
  const reactions = m.reactions.length > 0 ? ` [${m.reactions.map((r) => sanitize(r.emoji)).join(' ')}]` : '';
  const error = m.error && m.status === 'failed' ? `\n    ! ${sanitize(m.error)}` : '';
  return `${gap}[${time(m.sentAt)}] ${sanitize(who)}: ${body}${reactions}${flags ? `  ${flags}` : ''}${error}\n`;
}

export function formatContact(c: ContactView): string {
  const tags = [
    c.online ? (c.connection === 'relayed' ? 'online via relay' : 'online') : 'offline',
    c.verified ? 'verified' : 'not verified',
    c.state === 'pending' ? 'pending' : '',
    c.state === 'introduced' ? 'met in a group' : '',
    c.identityChanged ? 'KEY CHANGED' : '',
  ].filter(Boolean);
  return `${sanitize(c.name)}\t${c.peerId}\t${tags.join(', ')}\n`;
}
