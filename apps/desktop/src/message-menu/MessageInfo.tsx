/**
 * A message's details: when it was sent and received, its delivery state, and
 * in a group who has it ("Read by 1 of 2"). The daemon records when a message
 * was sent and received, not when it was delivered or read: those show as
 * states, not times. A large group's message carries only its count
 * (`readBy`); who has read it is asked for when Info opens (messages.get).
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

/** "Read by 2 of 3" (a large group: no per-member delivery). */
export const readByInWords = (readBy: ReadByView): string => `Read by ${readBy.count} of ${readBy.of}`;

/** Who has read our message in a large group, fetched once per count (null until it comes). */
function useReaders(m: MessageView): readonly ReceiptView[] | null {
  const [readers, setReaders] = useState<readonly ReceiptView[] | null>(null);
  const count = m.readBy?.count;
  useEffect(() => {
    if (m.direction !== 'out' || count === undefined) return;
    let live = true;
    void call('messages.get', { contact: m.contact, id: m.id, sender: 'self' }).then(
      (v) => live && setReaders(v.receipts ?? null),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [m.contact, m.id, m.direction, count]);
  return readers;
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
  const readers = useReaders(m);
  const receipts = (m.readBy ? readers : m.receipts) ?? [];
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
                  {m.readBy && r.status === 'pending' ? 'Not read yet' : RECEIPT[r.status]}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {mine && (
        <p className="muted small-print">
          Parley keeps when a message was sent, not the moment it was delivered or read.
        </p>
      )}
    </Dialog>
  );
}
