/** Add contact: my invite (QR + copy) for the other person, or paste theirs. */
import { type FormEvent, useEffect, useState } from 'react';
import { call, RpcError } from './api.ts';
import { Dialog } from './Dialog.tsx';
import { Qr } from './Qr.tsx';
import type { Invite } from './types.ts';

/** Links longer than this make a code too large for the two-column layout. */
const LARGE_QR_LINK_CHARS = 1200;

export function AddContact({
  onClose,
  onAdded,
}: {
  readonly onClose: () => void;
  readonly onAdded: (contactId: string) => void;
}) {
  const [invite, setInvite] = useState<Invite | null>(null);
  const [copied, setCopied] = useState(false);
  const [link, setLink] = useState('');
  const [name, setName] = useState('');
  // A post-quantum (suite-2) invite carries an ML-KEM-768 prekey: its code is ~160 modules, 4 px
  // each only where the window is wide enough (stacked in one column; drawn smaller below that).
  const largeQr = (invite?.link.length ?? 0) > LARGE_QR_LINK_CHARS;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void call('invite.create').then(setInvite, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : 'Could not create an invite.'),
    );
  }, []);

  const copy = async () => {
    if (!invite) return;
    try {
      await navigator.clipboard.writeText(invite.link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setError('Copying failed: select the link and copy it by hand.');
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const trimmed = link.trim();
    if (!trimmed) return setError('Paste the invite link your contact sent you.');
    setBusy(true);
    try {
      const contact = await call('contacts.add', {
        link: trimmed,
        ...(name.trim() ? { name: name.trim() } : {}),
      });
      onAdded(contact.id);
      onClose();
    } catch (err) {
      setError(err instanceof RpcError ? err.message : 'Could not add the contact.');
      setBusy(false);
    }
  };

  return (
    <Dialog title="Add contact" onClose={onClose} wide>
      <div className={`add-contact${largeQr ? ' large-qr' : ''}`}>
        <section aria-labelledby="my-invite-title" className="add-section">
          <h3 id="my-invite-title">Share your invite</h3>
          <p className="muted">
            Send this link to the person you want to talk to; the code holds the same link. It works once and
            expires{invite ? ` on ${new Date(invite.expiresAt).toLocaleDateString()}` : ''}.
          </p>
          {invite ? (
            <>
              <Qr text={invite.link} label="Your invite as a QR code" size={180} />
              {largeQr && (
                <p className="qr-narrow-note muted">
                  In a window this narrow the code is drawn small: widen the window so a phone reads it
                  easily, or copy the link.
                </p>
              )}
              <div className="copy-row">
                <input
                  readOnly
                  aria-label="Your invite link"
                  value={invite.link}
                  onFocus={(e) => e.target.select()}
                />
                <button type="button" className="button primary" onClick={() => void copy()}>
                  {copied ? 'Copied' : 'Copy'}
                </button>
              </div>
            </>
          ) : (
            <p className="muted">Creating an invite…</p>
          )}
        </section>
        <form onSubmit={(e) => void add(e)} className="add-section" aria-labelledby="paste-invite-title">
          <h3 id="paste-invite-title">Got an invite?</h3>
          <p className="muted">Paste the link someone sent you.</p>
          <label className="field">
            <span>Invite link</span>
            <textarea rows={4} value={link} onChange={(e) => setLink(e.target.value)} spellCheck={false} />
          </label>
          <label className="field">
            <span>Name (optional)</span>
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Their name from the invite"
            />
          </label>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button primary wide" disabled={busy}>
            {busy ? 'Adding…' : 'Add'}
          </button>
        </form>
      </div>
    </Dialog>
  );
}
