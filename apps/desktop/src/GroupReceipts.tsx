/**
 * Our group message's receipts: in a pairwise group each member's delivery state, in a small
 * popover; in a large group only how many have read it (who, in the message's Info).
 */
import { useState } from 'react';
import { readByInWords, receiptsInWords } from './message-menu/index.ts';
import type { ReadByView, ReceiptView } from './types.ts';

const LABEL: Readonly<Record<ReceiptView['status'], string>> = {
  pending: 'Not delivered yet',
  delivered: 'Delivered',
  read: 'Read',
};

export function GroupReceipts({ receipts }: { readonly receipts: readonly ReceiptView[] }) {
  const [open, setOpen] = useState(false);
  const read = receipts.filter((r) => r.status === 'read').length;
  return (
    <span className="receipts">
      <button
        type="button"
        className="link-button receipts-toggle"
        aria-label={`${read}/${receipts.length} · Delivery details`}
        aria-expanded={open}
        title={receiptsInWords(receipts)}
        onClick={() => setOpen((v) => !v)}
      >
        {`${read}/${receipts.length}`}
      </button>
      {open && (
        <ul className="receipts-popover" aria-label="Delivery details">
          {receipts.map((r) => (
            <li key={r.member}>
              <span className="receipt-member">{r.member}</span>
              <span className={`receipt-status ${r.status}`}>{LABEL[r.status]}</span>
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}

/** "2/3": how many of the other members of a large group have read our message. */
export function GroupReadCount({ readBy }: { readonly readBy: ReadByView }) {
  const words = readByInWords(readBy);
  return (
    <span className="receipts receipts-count" title={words}>
      <span aria-hidden="true">{`${readBy.count}/${readBy.of}`}</span>
      <span className="visually-hidden">{words}</span>
    </span>
  );
}
