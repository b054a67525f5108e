/** An attachment's transfer: progress bar, Download / Cancel / Retry, and errors. */
import { type ReactNode, useState } from 'react';
import { call, RpcError } from './api.ts';
import { formatBytes, type MessageAttachment } from './attachments.ts';
import { DownloadIcon } from './Icons.tsx';
import type { AttachmentView } from './types.ts';

const percent = (a: AttachmentView): number =>
  a.size > 0 ? Math.floor((a.transferred / a.size) * 100) : 100;

export function Transfer({ a, mine }: { readonly a: MessageAttachment; readonly mine: boolean }) {
  const [problem, setProblem] = useState<string | null>(null);
  const transfer = (method: 'attachments.download' | 'attachments.cancel') => {
    setProblem(null);
    void call(method, { contact: a.contact, id: a.id }).catch((e: unknown) =>
      setProblem(e instanceof RpcError ? e.message : 'That did not work.'),
    );
  };
  const bar = (label: string) => (
    <div className="transfer">
      <progress max={Math.max(a.size, 1)} value={a.transferred} aria-label={`${label} ${a.name}`} />
      <span className="transfer-text">{`${label} ${percent(a)}%`}</span>
    </div>
  );
  let body: ReactNode = null;
  if (a.status === 'sending') body = bar('Encrypting');
  else if (mine && a.status === 'available' && a.transferred < a.size) body = bar('Sending');
  else if (a.status === 'downloading')
    body = (
      <>
        {bar('Downloading')}
        <button type="button" className="link-button" onClick={() => transfer('attachments.cancel')}>
          Cancel download
        </button>
      </>
    );
  else if (!mine && (a.status === 'offered' || a.status === 'cancelled' || a.status === 'failed'))
    body = (
      <>
        {a.status === 'failed' && <span className="transfer-error">{a.error ?? 'The download failed.'}</span>}
        {a.status === 'cancelled' && <span className="transfer-text">Download cancelled.</span>}
        <button type="button" className="button small" onClick={() => transfer('attachments.download')}>
          <DownloadIcon />
          {a.status === 'failed' ? 'Retry' : 'Download'}
          <span className="transfer-size">{formatBytes(a.size)}</span>
        </button>
      </>
    );
  if (!body && !problem) return null;
  return (
    <div className="transfer-row">
      {body}
      {problem && (
        <span className="transfer-error" role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}
