/**
 * Live transfer progress of one conversation's attachments. Messages are not
 * re-sent when a download advances; `attachment` events are, and this hook
 * lays them over the messages' attachment views.
 */
import { useEffect, useState } from 'react';
import type { EventStream } from './api.ts';
import type { MessageAttachment } from './attachments.ts';
import type { AttachmentProgress, MessageView } from './types.ts';

export type ProgressMap = ReadonlyMap<string, AttachmentProgress>;

const keyOf = (direction: 'in' | 'out', id: string): string => `${direction}:${id}`;

export function useAttachmentProgress(contact: string, stream: EventStream): ProgressMap {
  const [progress, setProgress] = useState<ProgressMap>(new Map());
  useEffect(
    () =>
      stream.on((e) => {
        if (e.type !== 'attachment' || e.data.contact !== contact) return;
        const p = e.data;
        setProgress((old) => new Map(old).set(keyOf(p.direction, p.id), p));
      }),
    [stream, contact],
  );
  return progress;
}

/** The message's attachment (named by its conversation's contact) with the latest progress applied. */
export function withProgress(m: MessageView, progress: ProgressMap): MessageAttachment | null {
  const a = m.attachment ? { ...m.attachment, contact: m.contact } : null;
  if (!a) return null;
  const p = progress.get(keyOf(m.direction, a.id));
  if (!p) return a;
  return {
    ...a,
    status: p.state === 'encrypting' ? 'sending' : p.state,
    transferred: p.transferred,
    error: p.error,
  };
}
