/**
 * Files on their way from this window to the daemon (POST /upload): one
 * entry per file with its progress, until the daemon answers with the
 * message (then the message itself shows the attachment) or it fails.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { type UploadHandle, type UploadMeta, upload } from './attachments.ts';
import { makeThumbnail } from './media.ts';
import type { MessageView } from './types.ts';

export interface PendingUpload {
  readonly key: number;
  readonly name: string;
  readonly size: number;
  readonly sent: number;
  readonly error: string | null;
}

export interface Uploads {
  readonly pending: readonly PendingUpload[];
  sendFiles(files: readonly File[]): void;
  sendBlob(blob: Blob, meta: Omit<UploadMeta, 'contact'>): void;
  cancel(key: number): void;
  dismiss(key: number): void;
}

let nextKey = 1;

export function useUploads(contact: string, onSent: (m: MessageView) => void): Uploads {
  const [pending, setPending] = useState<readonly PendingUpload[]>([]);
  const handles = useRef(new Map<number, UploadHandle>());
  const latest = useRef(onSent);
  latest.current = onSent;

  useEffect(() => {
    const open = handles.current;
    return () => {
      for (const h of open.values()) h.abort();
    };
  }, []);

  const patch = useCallback((key: number, p: Partial<PendingUpload>) => {
    setPending((list) => list.map((u) => (u.key === key ? { ...u, ...p } : u)));
  }, []);

  const sendBlob = useCallback(
    (blob: Blob, meta: Omit<UploadMeta, 'contact'>) => {
      const key = nextKey++;
      setPending((list) => [...list, { key, name: meta.name, size: blob.size, sent: 0, error: null }]);
      const handle = upload(blob, { ...meta, contact }, (sent) => patch(key, { sent }));
      handles.current.set(key, handle);
      handle.done.then(
        (m) => {
          latest.current(m);
          setPending((list) => list.filter((u) => u.key !== key));
        },
        (error: Error) => {
          if (error.message === 'cancelled') setPending((list) => list.filter((u) => u.key !== key));
          else patch(key, { error: error.message });
        },
      );
      void handle.done.catch(() => undefined).finally(() => handles.current.delete(key));
    },
    [contact, patch],
  );

  const sendFiles = useCallback(
    (files: readonly File[]) => {
      for (const file of files) {
        void makeThumbnail(file).then((thumbnail) =>
          sendBlob(file, {
            name: file.name || 'attachment',
            mime: file.type || 'application/octet-stream',
            ...(thumbnail ? { thumbnail } : {}),
          }),
        );
      }
    },
    [sendBlob],
  );

  const cancel = useCallback((key: number) => handles.current.get(key)?.abort(), []);
  const dismiss = useCallback((key: number) => setPending((list) => list.filter((u) => u.key !== key)), []);

  return { pending, sendFiles, sendBlob, cancel, dismiss };
}
