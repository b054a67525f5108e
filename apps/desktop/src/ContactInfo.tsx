/**
 * Contact info: the contact's security state, the safety number (digits, to compare aloud or side by
 * side: Parley scans no codes), verification, a key change, remove.
 */
import { useEffect, useState } from 'react';
import { Avatar } from './Avatar.tsx';
import { call, RpcError } from './api.ts';
import { ConfirmDialog, Dialog } from './Dialog.tsx';
import { ShieldIcon, WarningIcon } from './Icons.tsx';
import { SECURITY_LABEL, securityState } from './security-state.ts';
import type { ContactView, SafetyNumber } from './types.ts';

export function ContactInfo({
  contact,
  onClose,
  onChanged,
  onRemoved,
}: {
  readonly contact: ContactView;
  readonly onClose: () => void;
  readonly onChanged: () => void;
  readonly onRemoved: () => void;
}) {
  const [number, setNumber] = useState<SafetyNumber | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState(false);
  const name = contact.name;
  const state = securityState(contact);

  useEffect(() => {
    void call('contacts.safetyNumber', { name }).then(setNumber, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : 'No safety number yet.'),
    );
  }, [name]);

  /** Shows what became of a change: `after` on success, else the daemon's reason. */
  const act = (change: Promise<unknown>, after = onChanged) =>
    void change.then(after, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : 'That did not work.'),
    );

  return (
    <Dialog title={`About ${name}`} onClose={onClose}>
      <div className="contact-info">
        <div className="contact-card">
          <Avatar name={name} online={contact.online} size={56} />
          <div>
            <div className="contact-name">{name}</div>
            <div className="muted">
              {contact.online
                ? contact.connection === 'relayed'
                  ? 'online via relay'
                  : 'online, direct'
                : 'offline'}
              {contact.state === 'pending' ? ' · waiting to connect' : ''}
              {contact.state === 'introduced' ? ' · known through a group' : ''}
            </div>
            <div className={`security-state ${state}`}>
              {state === 'verified' ? <ShieldIcon /> : state === 'changed' ? <WarningIcon /> : null}
              {SECURITY_LABEL[state]}
            </div>
          </div>
        </div>
        {contact.identityChanged && (
          <div className="banner warning" role="alert">
            <div className="banner-body">
              <strong>{name}'s safety number has changed.</strong>
              <span>
                Compare the new number below with {name} before you accept it. If it does not match, do not
                accept it.
              </span>
            </div>
            <button
              type="button"
              className="button"
              onClick={() => act(call('contacts.acceptKey', { name }))}
            >
              Accept new safety number
            </button>
          </div>
        )}
        <section aria-labelledby="safety-title">
          <h3 id="safety-title">Safety number</h3>
          <p className="muted">
            Compare these digits with the ones {name} sees: read them aloud to each other in person or on a
            call, or put both screens side by side. If they match, nobody is in the middle.
          </p>
          {number ? (
            <div className="safety">
              <p className="safety-digits">
                {number.groups.map((g, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: fixed groups
                  <span key={i}>{g}</span>
                ))}
              </p>
            </div>
          ) : (
            <p className="muted">{error ?? 'Loading…'}</p>
          )}
          {state === 'verified' ? (
            <div className="verified-row">
              <span className="verified-label">
                <ShieldIcon /> Verified
              </span>
              <button
                type="button"
                className="button"
                onClick={() => act(call('contacts.verify', { name, verified: false }))}
              >
                Clear verification
              </button>
            </div>
          ) : state === 'unverified' ? (
            <button
              type="button"
              className="button primary"
              disabled={!number}
              onClick={() => act(call('contacts.verify', { name, verified: true }))}
            >
              Mark as verified
            </button>
          ) : null}
        </section>
        {error && number && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <section className="danger-zone">
          <button type="button" className="button danger-button" onClick={() => setRemoving(true)}>
            Remove contact
          </button>
        </section>
      </div>
      {removing && (
        <ConfirmDialog
          title={`Remove ${name}?`}
          text={`${name} and your conversation are deleted from this computer.`}
          confirm="Remove"
          onConfirm={() => act(call('contacts.remove', { name }), onRemoved)}
          onClose={() => setRemoving(false)}
        />
      )}
    </Dialog>
  );
}
