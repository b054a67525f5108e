/** Our group message's per-member delivery state, in a small popover. */
import { useState } from 'react';
import { receiptsInWords } from './message-menu/index.ts';
import type { ReceiptView } from './types.ts';

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
