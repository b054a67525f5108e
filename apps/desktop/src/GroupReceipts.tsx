/**
 * Our group message's receipts, in words beside its ticks ("Read by 1 of 2"): in a pairwise group
 * a button that opens each member's delivery state in a small popover; in a large group only how
 * many have read it (who, in the message's Info).
 */
import { useState } from 'react';
import { readByInWords, receiptsInShort, receiptsInWords } from './message-menu/index.ts';
import type { ReadByView, ReceiptView } from './types.ts';

const LABEL: Readonly<Record<ReceiptView['status'], string>> = {
  pending: 'Not delivered yet',
  delivered: 'Delivered',
  read: 'Read',
};

export function GroupReceipts({ receipts }: { readonly receipts: readonly ReceiptView[] }) {
  const [open, setOpen] = useState(false);
  const words = receiptsInShort(receipts);
  return (
    <span className="receipts">
      <button
        type="button"
        className="link-button receipts-toggle"
        // The visible words first (WCAG 2.5.3 label in name), then what the button opens.
        aria-label={`${words} · Delivery details`}
        aria-expanded={open}
        title={receiptsInWords(receipts)}
        onClick={() => setOpen((v) => !v)}
      >
        {words}
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

/** "Read by 2 of 3": how many of the other members of a large group have read our message. */
export function GroupReadCount({ readBy }: { readonly readBy: ReadByView }) {
  return <span className="receipts receipts-count">{readByInWords(readBy)}</span>;
}
