/** First run (create an account, or make this a new device of one) and unlock (passphrase). */
import { type FormEvent, useId, useState } from 'react';
import { call, RpcError } from './api.ts';
import { LinkThisDevice } from './devices/index.ts';
import { ShieldIcon } from './Icons.tsx';
import { PassphraseChoice, type PassphraseState, passphraseProblem } from './PassphraseChoice.tsx';

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
        {mode === 'no-account' ? <NewAccountOrDevice onDone={onDone} /> : <Unlock onDone={onDone} />}
      </div>
    </main>
  );
}

function NewAccountOrDevice({ onDone }: { readonly onDone: () => void }) {
  const [path, setPath] = useState<'create' | 'link'>('create');
  return path === 'create' ? (
    <CreateAccount onDone={onDone} onLink={() => setPath('link')} />
  ) : (
    <LinkThisDevice onDone={onDone} onCreate={() => setPath('create')} />
  );
}

function CreateAccount({ onDone, onLink }: { readonly onDone: () => void; readonly onLink: () => void }) {
  const [name, setName] = useState('');
  const [protect, setProtect] = useState<PassphraseState>({ use: true, passphrase: '', confirm: '' });
  const [error, setError] = useState<string | null>(null);
  const [passphraseError, setPassphraseError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setPassphraseError(null);
    if (!name.trim()) return setError('Choose a name your contacts will see.');
    const problem = passphraseProblem(protect);
    if (problem) return setPassphraseError(problem);
    setBusy(true);
    try {
      await call('account.create', {
        name: name.trim(),
        ...(protect.use ? { passphrase: protect.passphrase } : {}),
      });
      onDone();
    } catch (err) {
      setError(err instanceof RpcError ? err.message : 'Could not create the account.');
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`} noValidate>
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
          {...(error ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {})}
        />
      </label>
      {error && (
        <p id={`${id}-error`} className="form-error" role="alert">
          {error}
        </p>
      )}
      <PassphraseChoice value={protect} onChange={setProtect} error={passphraseError} />
      <button type="submit" className="button primary wide" disabled={busy}>
        {busy ? 'Creating…' : 'Create account'}
      </button>
      <p className="onboarding-alt muted">
        Already use Parley on another computer?
        <button type="button" className="button wide" onClick={onLink}>
          This is a new device of mine
        </button>
      </p>
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
