/** First run (create an account) and unlock (passphrase). */
import { type FormEvent, useId, useState } from 'react';
import { call, RpcError } from './api.ts';
import { ShieldIcon } from './Icons.tsx';

/** Longest display name accepted in the form (the daemon checks too). */
const NAME_MAX_CHARS = 64;

export function Onboarding({
  mode,
  onDone,
}: {
  readonly mode: 'no-account' | 'locked';
  readonly onDone: () => void;
}) {
  return (
    <main className="center-screen onboarding">
      <div className="card narrow">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            <ShieldIcon size={28} />
          </span>
          <span>Parley</span>
        </div>
        {mode === 'no-account' ? <CreateAccount onDone={onDone} /> : <Unlock onDone={onDone} />}
      </div>
    </main>
  );
}

function CreateAccount({ onDone }: { readonly onDone: () => void }) {
  const [name, setName] = useState('');
  const [usePassphrase, setUsePassphrase] = useState(true);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!name.trim()) return setError('Choose a name your contacts will see.');
    if (usePassphrase && passphrase.length < 8) return setError('Use a passphrase of 8 characters or more.');
    if (usePassphrase && passphrase !== confirm) return setError('The two passphrases differ.');
    setBusy(true);
    try {
      await call('account.create', { name: name.trim(), ...(usePassphrase ? { passphrase } : {}) });
      onDone();
    } catch (err) {
      setError(err instanceof RpcError ? err.message : 'Could not create the account.');
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Create your account</h1>
      <p className="muted">
        Messages go straight to your contacts, end-to-end encrypted. There is no server and no phone number.
      </p>
      <label className="field">
        <span>Your name</span>
        <input
          value={name}
          maxLength={NAME_MAX_CHARS}
          onChange={(e) => setName(e.target.value)}
          autoComplete="nickname"
          required
        />
      </label>
      <fieldset className="choice">
        <legend>Protect your keys</legend>
        <label className="radio">
          <input
            type="radio"
            name="protect"
            checked={usePassphrase}
            onChange={() => setUsePassphrase(true)}
          />
          <span>
            <strong>With a passphrase</strong> (recommended). Someone who copies your data folder cannot read
            it. You type the passphrase each time Parley starts; if you forget it, the account is lost.
          </span>
        </label>
        <label className="radio">
          <input
            type="radio"
            name="protect"
            checked={!usePassphrase}
            onChange={() => setUsePassphrase(false)}
          />
          <span>
            <strong>Without a passphrase.</strong> Parley starts without asking, but your keys sit in a key
            file in the data folder: anyone who can read your files (or a backup of them) can read your
            messages and act as you.
          </span>
        </label>
      </fieldset>
      {usePassphrase && (
        <>
          <label className="field">
            <span>Passphrase</span>
            <input
              type="password"
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
              autoComplete="new-password"
            />
          </label>
          <label className="field">
            <span>Repeat passphrase</span>
            <input
              type="password"
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
              autoComplete="new-password"
            />
          </label>
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary wide" disabled={busy}>
        {busy ? 'Creating…' : 'Create account'}
      </button>
    </form>
  );
}

function Unlock({ onDone }: { readonly onDone: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { state } = await call('account.unlock', { passphrase });
      if (state === 'ready') onDone();
      else setError('That passphrase did not unlock the account. Try again.');
    } catch (err) {
      setError(err instanceof RpcError ? err.message : 'Could not unlock.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="unlock-title">
      <h1 id="unlock-title">Unlock Parley</h1>
      <p className="muted">Your account is protected by a passphrase.</p>
      <label className="field">
        <span>Passphrase</span>
        <input
          type="password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
          autoComplete="current-password"
          // biome-ignore lint/a11y/noAutofocus: the only field on the screen
          autoFocus
        />
      </label>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button primary wide" disabled={busy}>
        {busy ? 'Unlocking…' : 'Unlock'}
      </button>
    </form>
  );
}
