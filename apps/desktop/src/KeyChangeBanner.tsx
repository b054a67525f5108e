/**
 * Shown when a contact's identity key changed; sending to a verified contact stays blocked until
 * accepted. Comparing the numbers is the first thing to do, so it is the primary action; accepting
 * without comparing is possible, but secondary.
 */
import { useState } from 'react';
import { call, RpcError } from './api.ts';
import { WarningIcon } from './Icons.tsx';
import type { ContactView } from './types.ts';

export function KeyChangeBanner({
  contact,
  onChanged,
  onInfo,
}: {
  readonly contact: ContactView;
  readonly onChanged: () => void;
  readonly onInfo: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const accept = async () => {
    try {
      await call('contacts.acceptKey', { name: contact.name });
      onChanged();
    } catch (err) {
      setError(err instanceof RpcError ? err.message : 'Could not accept the new key.');
    }
  };
  return (
    <div className="banner warning" role="alert">
      <WarningIcon />
      <div className="banner-body">
        <strong>{contact.name}'s safety number has changed.</strong>
        <span>
          {contact.sendingBlocked ? `Sending is blocked because you had verified ${contact.name}. ` : ''}
          This can mean {contact.name} reinstalled Parley, or that someone is trying to intercept your
          messages. Compare the new safety number with {contact.name} before you accept it: read it aloud to
          each other in person or on a call.
        </span>
        {error && <span className="form-error">{error}</span>}
      </div>
      <div className="banner-actions">
        <button type="button" className="button primary" onClick={onInfo}>
          Compare numbers
        </button>
        <button type="button" className="button" onClick={() => void accept()}>
          Accept new safety number
        </button>
      </div>
    </div>
  );
}
