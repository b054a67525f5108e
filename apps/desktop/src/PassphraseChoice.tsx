/** Onboarding's "Protect your keys": a passphrase (typed twice) or a key file, for a new account or a new device. */
import { useId } from 'react';

export interface PassphraseState {
  readonly use: boolean;
  readonly passphrase: string;
  readonly confirm: string;
}

/** Shortest passphrase the forms accept. */
export const PASSPHRASE_MIN_CHARS = 8;
/** Longest passphrase the daemon accepts when one is set or changed. */
export const PASSPHRASE_MAX_CHARS = 1024;

/** What is wrong with the choice, in words, or null. */
export function passphraseProblem(p: PassphraseState): string | null {
  if (!p.use) return null;
  if (p.passphrase.length < PASSPHRASE_MIN_CHARS)
    return `Use a passphrase of ${PASSPHRASE_MIN_CHARS} characters or more.`;
  if (p.passphrase !== p.confirm) return 'The two passphrases differ.';
  return null;
}

export function PassphraseChoice({
  value,
  onChange,
  error,
  what = 'account',
}: {
  readonly value: PassphraseState;
  readonly onChange: (next: PassphraseState) => void;
  /** A problem with the passphrase fields, shown under them and tied to them. */
  readonly error?: string | null;
  /** Whose keys: a new account's, or this device's. */
  readonly what?: 'account' | 'device';
}) {
  const id = useId();
  const errorId = `${id}-error`;
  const invalid = error ? { 'aria-invalid': true, 'aria-describedby': errorId } : {};
  return (
    <>
      <fieldset className="choice">
        <legend>{what === 'account' ? 'Protect your keys' : 'Protect this device’s keys'}</legend>
        <label className="radio">
          <input
            type="radio"
            name={`${id}-protect`}
            checked={value.use}
            onChange={() => onChange({ ...value, use: true })}
          />
          <span>
            <strong>With a passphrase</strong> (recommended). Someone who copies your data folder cannot read
            it. You type the passphrase each time Parley starts; if you forget it, the account is lost
            {what === 'device' ? ' on this device' : ''}.
          </span>
        </label>
        <label className="radio">
          <input
            type="radio"
            name={`${id}-protect`}
            checked={!value.use}
            onChange={() => onChange({ ...value, use: false })}
          />
          <span>
            <strong>Without a passphrase.</strong> Parley starts without asking, but your keys sit in a key
            file in the data folder: anyone who can read your files (or a backup of them) can read your
            messages and act as you.
          </span>
        </label>
      </fieldset>
      {value.use && (
        <>
          <label className="field">
            <span>Passphrase</span>
            <input
              type="password"
              value={value.passphrase}
              onChange={(e) => onChange({ ...value, passphrase: e.target.value })}
              autoComplete="new-password"
              {...invalid}
            />
          </label>
          <label className="field">
            <span>Repeat passphrase</span>
            <input
              type="password"
              value={value.confirm}
              onChange={(e) => onChange({ ...value, confirm: e.target.value })}
              autoComplete="new-password"
              {...invalid}
            />
          </label>
        </>
      )}
      {error && (
        <p id={errorId} className="form-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
