/**
 * A message's details: when it was sent and received, and for our own when
 * each recipient got it and read it (the contact; in a group every member,
 * "Read by 1 of 2"). Lists carry only states: the times are asked for when
 * Info opens, and again as receipts come in (messages.get). A large group
 * keeps who has read a message, not when.
 */
import { useEffect, useState } from 'react';
import { call } from '../api.ts';
import { formatBytes } from '../attachments.ts';
import { Dialog } from '../Dialog.tsx';
import type { MessageView, ReadByView, ReceiptView } from '../types.ts';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

const STATE: Readonly<Record<MessageView['status'], string>> = {
  queued: 'Waiting to be sent',
  sent: 'Sent, not delivered yet',
  stored: 'Held in their mailbox until they are back',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
};

const RECEIPT: Readonly<Record<ReceiptView['status'], string>> = {
  pending: 'Not delivered yet',
  delivered: 'Delivered',
  read: 'Read',
};

/** "Read by 1 of 2 · delivered to 2 of 2" */
export function receiptsInWords(receipts: readonly ReceiptView[]): string {
  const n = receipts.length;
  const read = receipts.filter((r) => r.status === 'read').length;
  const delivered = receipts.filter((r) => r.status !== 'pending').length;
  return `Read by ${read} of ${n} · delivered to ${delivered} of ${n}`;
}

/**
 * The furthest our message has got, short enough to sit beside its ticks: "Read by 1 of 2",
 * else "Delivered to 2 of 2", else "Not delivered yet".
 */
export function receiptsInShort(receipts: readonly ReceiptView[]): string {
  const n = receipts.length;
  const read = receipts.filter((r) => r.status === 'read').length;
  const delivered = receipts.filter((r) => r.status !== 'pending').length;
  if (read > 0) return `Read by ${read} of ${n}`;
  return delivered > 0 ? `Delivered to ${delivered} of ${n}` : RECEIPT.pending;
}

/** "Read by 2 of 3" (a large group: no per-member delivery). */
export const readByInWords = (readBy: ReadByView): string => `Read by ${readBy.count} of ${readBy.of}`;

/** "6 Dec 2026, 20:41:07" */
const at = (ms: number | undefined): string | null => (ms === undefined ? null : dateTime.format(ms));

/**
 * Our message's receipts with their times (who has read it, in a large group), fetched again when
 * its state or count changes (null until they come).
 */
function useReceipts(m: MessageView): readonly ReceiptView[] | null {
  const [readers, setReaders] = useState<readonly ReceiptView[] | null>(null);
  const count = m.readBy?.count;
  const changed = `${m.status} ${m.receipts?.map((r) => r.status).join() ?? ''}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `changed` is the trigger to fetch again
  useEffect(() => {
    if (m.direction !== 'out') return;
    let live = true;
    void call('messages.get', { contact: m.contact, id: m.id, sender: 'self' }).then(
      (v) => live && setReaders(v.receipts ?? null),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [m.contact, m.id, m.direction, count, changed]);
  return readers;
}

/** A member's line: "Read 6 Dec, 20:41 · delivered 20:40"; "Delivered …"; or the state alone. */
function receiptInWords(r: ReceiptView, large: boolean): string {
  if (large && r.status === 'pending') return 'Not read yet';
  const read = at(r.readAt);
  const delivered = at(r.deliveredAt);
  if (r.status === 'read' && read)
    return delivered ? `Read ${read} · delivered ${delivered}` : `Read ${read}`;
  if (r.status === 'delivered' && delivered) return `Delivered ${delivered}`;
  return RECEIPT[r.status];
}

function Row({ term, children }: { readonly term: string; readonly children: string }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function MessageInfo({
  message: m,
  onClose,
}: {
  readonly message: MessageView;
  readonly onClose: () => void;
}) {
  const mine = m.direction === 'out';
  const detail = useReceipts(m);
  const group = m.readBy !== undefined || m.receipts !== undefined;
  const receipts = group ? ((m.readBy ? detail : (detail ?? m.receipts)) ?? []) : [];
  // a contact's: when they got it and read it
  const theirs = !group && mine ? detail?.[0] : undefined;
  return (
    <Dialog title="Message info" onClose={onClose}>
      <dl className="info-list">
        <Row term="From">{mine ? 'You' : m.from}</Row>
        <Row term="Sent">{dateTime.format(m.sentAt)}</Row>
        {!mine && <Row term="Received">{dateTime.format(m.receivedAt)}</Row>}
        {mine && m.readBy && (
          <Row term="Status">
            {m.status === 'queued' || m.status === 'failed' ? STATE[m.status] : readByInWords(m.readBy)}
          </Row>
        )}
        {mine && !m.readBy && receipts.length === 0 && <Row term="Status">{STATE[m.status]}</Row>}
        {mine && !m.readBy && receipts.length > 0 && <Row term="Status">{receiptsInWords(receipts)}</Row>}
        {theirs?.deliveredAt !== undefined && (
          <Row term="Delivered">{dateTime.format(theirs.deliveredAt)}</Row>
        )}
        {theirs?.readAt !== undefined && <Row term="Read">{dateTime.format(theirs.readAt)}</Row>}
        {m.edited && !m.deleted && <Row term="Edited">Yes</Row>}
        {m.expiresAt !== null && <Row term="Disappears">{dateTime.format(m.expiresAt)}</Row>}
        {m.attachment && (
          <Row term="File">{`${m.attachment.name} · ${formatBytes(m.attachment.size)} · ${m.attachment.mime}`}</Row>
        )}
      </dl>
      {m.error && <p className="form-error">{m.error}</p>}
      {receipts.length > 0 && (
        <section aria-labelledby="receipts-title">
          <h3 id="receipts-title">Members</h3>
          <ul className="receipt-list">
            {receipts.map((r) => (
              <li key={r.member}>
                <span>{r.member}</span>
                <span className={`receipt-status ${r.status}`}>
                  {receiptInWords(r, m.readBy !== undefined)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {mine && m.readBy && (
        <p className="muted small-print">In a large group Parley keeps who has read a message, not when.</p>
      )}
    </Dialog>
  );
}
