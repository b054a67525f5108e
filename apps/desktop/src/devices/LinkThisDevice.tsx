/**
 * Onboarding's "This is a new device of mine": the link from another device of the account
 * (Settings → Your devices → Link a new device, or `parley devices link`), this device's name and
 * its passphrase; `account.link` joins the account and starts bringing the history.
 */
import { type FormEvent, useId, useState } from 'react';
import { call, RpcError } from '../api.ts';
import { PassphraseChoice, type PassphraseState, passphraseProblem } from '../PassphraseChoice.tsx';

/** Longest device name in a device list (docs/MULTI-DEVICE.md "The device list"). */
const DEVICE_NAME_MAX_CHARS = 64;

type Field = 'link' | 'name' | 'passphrase' | 'form';
interface FieldError {
  readonly field: Field;
  readonly message: string;
}

/** account.link's failures (data.code) in words, each tied to the field to fix. */
function linkError(err: unknown): FieldError {
  if (!(err instanceof RpcError)) return { field: 'form', message: 'Could not link this device; try again.' };
  switch (err.code) {
    case 'bad-link':
      return {
        field: 'link',
        message:
          'This is not a whole device link. On your other device, open Settings → Your devices → Link a new device, copy the link and paste all of it here.',
      };
    case 'link-expired':
      return {
        field: 'link',
        message: 'This link has expired: links work for 10 minutes. Make a new one on your other device.',
      };
    case 'unreachable':
      return {
        field: 'link',
        message:
          'Could not reach your other device. Keep Parley running there, check that both are online, and try again.',
      };
    case 'too-many-devices':
      return {
        field: 'link',
        message: 'Your account has 8 devices already, the most it can. Remove one on another device first.',
      };
    default:
      return { field: 'form', message: err.message };
  }
}

export function LinkThisDevice({
  onDone,
  onCreate,
}: {
  readonly onDone: () => void;
  readonly onCreate: () => void;
}) {
  const [link, setLink] = useState('');
  const [name, setName] = useState('');
  const [protect, setProtect] = useState<PassphraseState>({ use: true, passphrase: '', confirm: '' });
  const [error, setError] = useState<FieldError | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const errorFor = (field: Field) => (error?.field === field ? error.message : null);
  const tie = (field: Field) =>
    error?.field === field ? { 'aria-invalid': true, 'aria-describedby': `${id}-${field}-error` } : {};

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const trimmed = link.trim();
    if (!trimmed) return setError({ field: 'link', message: 'Paste the link from your other device.' });
    if (!trimmed.startsWith('parley://device/'))
      return setError({
        field: 'link',
        message:
          'A device link starts with parley://device/. Make one on your other device in Settings → Your devices.',
      });
    if (!name.trim())
      return setError({ field: 'name', message: 'Name this device, so you can tell your devices apart.' });
    const problem = passphraseProblem(protect);
    if (problem) return setError({ field: 'passphrase', message: problem });
    setBusy(true);
    try {
      await call('account.link', {
        link: trimmed,
        name: name.trim(),
        ...(protect.use ? { passphrase: protect.passphrase } : {}),
      });
      onDone();
    } catch (err) {
      setError(linkError(err));
      setBusy(false);
    }
  };

  const fieldError = (field: Field) => {
    const message = errorFor(field);
    return message ? (
      <p id={`${id}-${field}-error`} className="form-error" role="alert">
        {message}
      </p>
    ) : null;
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`} noValidate>
      <h1 id={`${id}-title`}>Link this device</h1>
      <p className="muted">
        Use your account here too. On a device where you already use Parley, open{' '}
        <strong>Settings → Your devices → Link a new device</strong> (or run <code>parley devices link</code>
        ), and paste the link below. Your contacts and history follow; every device is equal.
      </p>
      <label className="field">
        <span>Link from your other device</span>
        <textarea
          rows={3}
          value={link}
          onChange={(e) => setLink(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          placeholder="parley://device/…"
          {...tie('link')}
        />
      </label>
      {fieldError('link')}
      <label className="field">
        <span>This device’s name</span>
        <input
          value={name}
          maxLength={DEVICE_NAME_MAX_CHARS}
          onChange={(e) => setName(e.target.value)}
          placeholder="Laptop, Desktop at work…"
          {...tie('name')}
        />
      </label>
      {fieldError('name')}
      <PassphraseChoice value={protect} onChange={setProtect} error={errorFor('passphrase')} what="device" />
      {fieldError('form')}
      <button type="submit" className="button primary wide" disabled={busy}>
        {busy ? 'Linking… keep your other device open' : 'Link this device'}
      </button>
      <p className="onboarding-alt muted">
        New to Parley?
        <button type="button" className="button wide" onClick={onCreate}>
          Create a new account instead
        </button>
      </p>
    </form>
  );
}
