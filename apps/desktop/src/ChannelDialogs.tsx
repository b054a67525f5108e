/** "New channel" (name, public or private) and "Follow a channel" (paste a parley://channel/ link). */
import { type FormEvent, useState } from 'react';
import { call, RpcError } from './api.ts';
import { Dialog } from './Dialog.tsx';
import type { ChannelView } from './types.ts';

function useSubmit(onDone: (ch: ChannelView) => void, onClose: () => void, fallback: string) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<ChannelView>) => {
    setError(null);
    setBusy(true);
    try {
      onDone(await call());
      onClose();
    } catch (err) {
      setError(err instanceof RpcError ? err.message : fallback);
      setBusy(false);
    }
  };
  return { error, setError, busy, run };
}

function FormError({ error }: { readonly error: string | null }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

export function NewChannel({
  onClose,
  onCreated,
}: {
  readonly onClose: () => void;
  readonly onCreated: (channel: ChannelView) => void;
}) {
  const [name, setName] = useState('');
  const [priv, setPriv] = useState(false);
  const { error, setError, busy, run } = useSubmit(onCreated, onClose, 'Could not create the channel.');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setError('Give the channel a name.');
    void run(() => call('channels.create', { name: name.trim(), private: priv }));
  };
  return (
    <Dialog title="New channel" onClose={onClose}>
      <form className="stack-form" onSubmit={submit}>
        <label className="field">
          <span>Channel name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        </label>
        <fieldset className="picker">
          <legend>Who may follow</legend>
          <label className="picker-row">
            <input type="radio" name="visibility" checked={!priv} onChange={() => setPriv(false)} />
            <span>Public: anyone with the link (posts are signed, not secret)</span>
          </label>
          <label className="picker-row">
            <input type="radio" name="visibility" checked={priv} onChange={() => setPriv(true)} />
            <span>Private: contacts you approve (posts are encrypted)</span>
          </label>
        </fieldset>
        <FormError error={error} />
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Creating…' : 'Create channel'}
        </button>
      </form>
    </Dialog>
  );
}

export function FollowChannel({
  onClose,
  onFollowed,
}: {
  readonly onClose: () => void;
  readonly onFollowed: (channel: ChannelView) => void;
}) {
  const [link, setLink] = useState('');
  const { error, setError, busy, run } = useSubmit(onFollowed, onClose, 'Could not follow the channel.');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = link.trim();
    if (!trimmed.startsWith('parley://channel/'))
      return setError('Paste a channel link: it starts with parley://channel/');
    void run(() => call('channels.follow', { link: trimmed }));
  };
  return (
    <Dialog title="Follow a channel" onClose={onClose}>
      <form className="stack-form" onSubmit={submit}>
        <p className="muted">
          Paste the follow link the channel's owner shared (or the text of its QR code).
        </p>
        <label className="field">
          <span>Channel link</span>
          <textarea rows={4} value={link} onChange={(e) => setLink(e.target.value)} spellCheck={false} />
        </label>
        <FormError error={error} />
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Following…' : 'Follow'}
        </button>
      </form>
    </Dialog>
  );
}
