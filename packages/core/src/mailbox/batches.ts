/**
 * What goes into which envelope when we deposit for a contact (deposit.ts): each outbox entry
 * with the inline chunks of its small attachment, in outbox order, within an envelope's bounds.
 */
import type { OutboxRecord } from '../ports/index.ts';
import { encodeChunkRecord, MAIL_ENVELOPE_MAX_BYTES } from './codec.ts';
import {
  ENVELOPE_MAX_FRAMES,
  ENVELOPE_OVERHEAD_BYTES,
  ENVELOPE_PAD_BYTES,
  envelopeFrameBytes,
} from './envelope.ts';
import type { InlineFile, MailboxesDeps } from './runtime.ts';

/** An outbox entry and what travels with it (the inline chunks of a small attachment). */
export interface Item {
  readonly entry: OutboxRecord;
  readonly records: readonly Uint8Array[];
}

/** Envelope batches: outbox order, each within the envelope's frame and byte bounds. */
export function batches(items: readonly Item[]): Item[][] {
  const room = MAIL_ENVELOPE_MAX_BYTES - ENVELOPE_OVERHEAD_BYTES - ENVELOPE_PAD_BYTES;
  const out: Item[][] = [];
  let current: Item[] = [];
  let bytes = 0;
  let frames = 0;
  for (const item of items) {
    const size = item.records.reduce((n, r) => n + envelopeFrameBytes(r), 0);
    if (current.length > 0 && (bytes + size > room || frames + item.records.length > ENVELOPE_MAX_FRAMES)) {
      out.push(current);
      current = [];
      bytes = 0;
      frames = 0;
    }
    current.push(item);
    bytes += size;
    frames += item.records.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The records of an entry: its frame, then the inline chunks of its attachment, if any. */
export async function itemsOf(
  entries: readonly OutboxRecord[],
  inline: MailboxesDeps['inlineFiles'],
  peerId: string,
): Promise<Item[]> {
  const keys = entries.flatMap((e) => (e.message ? [e.message] : []));
  const files = inline && keys.length > 0 ? await inline(peerId, keys) : new Map<string, InlineFile>();
  return entries.map((entry) => {
    const file = entry.message ? files.get(entry.message.id) : undefined;
    const chunks = file?.chunks.map((c, i) => encodeChunkRecord(file.fileId, i, c)) ?? [];
    return { entry, records: [entry.frame, ...chunks] };
  });
}
