/** Files being uploaded to the daemon, each with a progress bar (or what went wrong). */
import { formatBytes } from './attachments.ts';
import { CloseIcon } from './Icons.tsx';
import type { PendingUpload } from './use-uploads.ts';

export function UploadList({
  uploads,
  onCancel,
  onDismiss,
}: {
  readonly uploads: readonly PendingUpload[];
  readonly onCancel: (key: number) => void;
  readonly onDismiss: (key: number) => void;
}) {
  if (uploads.length === 0) return null;
  return (
    <ul className="uploads" aria-label="Uploads">
      {uploads.map((u) => (
        <li key={u.key} className={`upload${u.error ? ' failed' : ''}`}>
          <span className="upload-name">{u.name}</span>
          {u.error ? (
            <span className="transfer-error" role="alert">
              {u.error}
            </span>
          ) : (
            <>
              <progress max={Math.max(u.size, 1)} value={u.sent} aria-label={`Uploading ${u.name}`} />
              <span className="transfer-text">{`${formatBytes(u.sent)} / ${formatBytes(u.size)}`}</span>
            </>
          )}
          <button
            type="button"
            className="icon-button small"
            aria-label={u.error ? `Dismiss ${u.name}` : `Cancel upload of ${u.name}`}
            onClick={() => (u.error ? onDismiss(u.key) : onCancel(u.key))}
          >
            <CloseIcon size={14} />
          </button>
        </li>
      ))}
    </ul>
  );
}
