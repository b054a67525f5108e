/**
 * Forwarding a message: pick a contact or group, and the text goes there as a
 * new message from us. A photo, video or file is fetched from the daemon and
 * sent again through POST /upload, with its caption; groups cannot take files
 * (core has no group attachments), so they are offered for text only.
 */
import { useEffect, useMemo, useState } from 'react';
import { Avatar } from '../Avatar.tsx';
import { call, RpcError } from '../api.ts';
import { attachmentUrl, fromBase64Url, type MessageAttachment, upload } from '../attachments.ts';
import { Dialog } from '../Dialog.tsx';
import { GroupIcon } from '../Icons.tsx';
import type { MessageView } from '../types.ts';

interface Target {
  readonly kind: 'contact' | 'group';
  readonly name: string;
}

async function targets(): Promise<Target[]> {
  const [conversations, groups] = await Promise.all([call('conversations.list'), call('groups.list')]);
  return [
    ...conversations.map((c): Target => ({ kind: 'contact', name: c.contact.name })),
    ...groups.filter((g) => g.status === 'active').map((g): Target => ({ kind: 'group', name: g.name })),
  ].sort((a, b) => a.name.localeCompare(b.name));
}

/** Sends `m` again, to `to`. */
export async function forward(
  m: MessageView,
  attachment: MessageAttachment | null,
  to: string,
): Promise<void> {
  if (!attachment) {
    await call('messages.send', { contact: to, text: m.text });
    return;
  }
  const res = await fetch(attachmentUrl(attachment), { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`The daemon could not read the file (HTTP ${res.status}).`);
  const a = attachment;
  await upload(
    await res.blob(),
    {
      contact: to,
      name: a.name,
      mime: a.mime,
      ...(m.text ? { caption: m.text } : {}),
      ...(a.durationMs !== undefined ? { durationMs: a.durationMs } : {}),
      ...(a.waveform ? { waveform: fromBase64Url(a.waveform) } : {}),
    },
    () => undefined,
  ).done;
}

export function ForwardDialog({
  message,
  attachment,
  onClose,
}: {
  readonly message: MessageView;
  readonly attachment: MessageAttachment | null;
  readonly onClose: () => void;
}) {
  const [all, setAll] = useState<readonly Target[] | null>(null);
  const [filter, setFilter] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<readonly string[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void targets().then(setAll, () => setError('Could not load your conversations.'));
  }, []);
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (all ?? []).filter((t) => !q || t.name.toLowerCase().includes(q));
  }, [all, filter]);

  const send = (t: Target) => {
    setBusy(t.name);
    setError(null);
    forward(message, attachment, t.name).then(
      () => {
        setDone((d) => [...d, t.name]);
        setBusy(null);
      },
      (err: unknown) => {
        setError(err instanceof RpcError || err instanceof Error ? err.message : 'Forwarding failed.');
        setBusy(null);
      },
    );
  };

  return (
    <Dialog title="Forward message" onClose={onClose}>
      <label className="field">
        <span>Find a conversation</span>
        <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </label>
      <ul className="forward-list" aria-label="Forward to">
        {all === null && !error && <li className="muted">Loading…</li>}
        {all !== null && shown.length === 0 && <li className="muted">No conversation matches.</li>}
        {shown.map((t) => {
          const noFiles = t.kind === 'group' && attachment !== null;
          const sent = done.includes(t.name);
          return (
            <li key={`${t.kind}:${t.name}`}>
              <button
                type="button"
                className="forward-target"
                disabled={noFiles || busy !== null || sent}
                onClick={() => send(t)}
              >
                {t.kind === 'group' ? (
                  <span className="forward-group-icon">
                    <GroupIcon size={18} />
                  </span>
                ) : (
                  <Avatar name={t.name} size={32} />
                )}
                <span className="forward-name">{t.name}</span>
                <span className="forward-state muted">
                  {sent
                    ? 'Sent'
                    : busy === t.name
                      ? 'Sending…'
                      : noFiles
                        ? 'Groups cannot receive files yet'
                        : ''}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button primary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
