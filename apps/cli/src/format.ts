/** Human-readable rendering of API results (text mode). Never used for --json. */
import type { ContactView, MessageView } from '@parley/core';

const STATUS_MARK: Record<string, string> = {
  queued: '… queued',
  sent: '✓ sent',
  delivered: '✓✓ delivered',
  read: '✓✓ read',
  failed: '✗ failed',
  received: '',
};

function time(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Strips terminal control characters so a message can never drive the terminal. */
export function sanitize(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}

export function formatMessage(m: MessageView): string {
  const who = m.direction === 'out' ? 'me' : m.from;
  const gap = m.gapBefore ? '  ⋯ (earlier messages missing)\n' : '';
  const file = m.attachment
    ? `[${m.attachment.mime.startsWith('audio/') ? 'voice' : 'file'}: ${sanitize(m.attachment.name)}, ${(m.attachment.size / 1e6).toFixed(1)} MB, ${m.attachment.status}, id ${m.attachment.id}] `
    : '';
  const body = m.deleted ? '(deleted)' : file + sanitize(m.text);
  const flags = [
    m.edited && !m.deleted ? '(edited)' : '',
    m.direction === 'out' ? (STATUS_MARK[m.status] ?? m.status) : '',
  ]
    .filter(Boolean)
    .join(' ');
  const reactions = m.reactions.length > 0 ? ` [${m.reactions.map((r) => sanitize(r.emoji)).join(' ')}]` : '';
  const error = m.error && m.status === 'failed' ? `\n    ! ${m.error}` : '';
  return `${gap}[${time(m.sentAt)}] ${sanitize(who)}: ${body}${reactions}${flags ? `  ${flags}` : ''}${error}\n`;
}

export function formatContact(c: ContactView): string {
  const tags = [
    c.online ? 'online' : 'offline',
    c.verified ? 'verified' : 'not verified',
    c.state === 'pending' ? 'pending' : '',
    c.identityChanged ? 'KEY CHANGED' : '',
  ].filter(Boolean);
  return `${sanitize(c.name)}\t${c.peerId}\t${tags.join(', ')}\n`;
}
