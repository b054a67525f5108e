/**
 * On a newly linked device, while its history arrives from another device (`history` events):
 * the count so far, then for a few seconds how many messages came.
 */
import { useEffect, useState } from 'react';
import type { EventStream } from '../api.ts';

/** How long "Your history is here" stays once the transfer is done. */
const HISTORY_DONE_SHOWN_MS = 10_000;

export interface HistoryProgress {
  readonly received: number;
  readonly done: boolean;
}

/**
 * The latest `history` event, kept from the app's start: the transfer begins the moment a linked
 * daemon goes online, before the chat screen mounts.
 */
export function useHistoryProgress(stream: EventStream): HistoryProgress | null {
  const [progress, setProgress] = useState<HistoryProgress | null>(null);
  useEffect(
    () =>
      stream.on((e) => {
        if (e.type === 'history') setProgress({ received: e.data.received, done: e.data.done });
      }),
    [stream],
  );
  return progress;
}

const messages = (n: number): string => `${n.toLocaleString()} message${n === 1 ? '' : 's'}`;

export function HistoryBanner({ progress }: { readonly progress: HistoryProgress | null }) {
  const [hidden, setHidden] = useState(false);
  const done = progress?.done === true;
  useEffect(() => {
    setHidden(false);
    if (!done) return;
    const timer = setTimeout(() => setHidden(true), HISTORY_DONE_SHOWN_MS);
    return () => clearTimeout(timer);
  }, [done]);
  if (!progress || hidden) return null;
  return (
    <p className="history-banner" role="status">
      {done ? (
        <>
          <span>{`Your history is here: ${messages(progress.received)} from your other device.`}</span>
          <button type="button" className="link-button" onClick={() => setHidden(true)}>
            Dismiss
          </button>
        </>
      ) : (
        <>
          <span className="spinner" aria-hidden="true" />
          <span>{`Bringing your history from your other device… ${messages(progress.received)}`}</span>
        </>
      )}
    </p>
  );
}
