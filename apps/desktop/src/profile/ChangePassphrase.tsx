/**
 * Settings → Profile → Change passphrase (`account.changePassphrase`): the current passphrase
 * (none when a key file protects the account), the new one twice. Each problem is shown under
 * its own field and tied to it; the daemon keeps running, and asks for the new one next start.
 */
import { type FormEvent, type RefObject, useId, useRef, useState } from 'react';
import { call, RpcError } from '../api.ts';
import { PASSPHRASE_MAX_CHARS, PASSPHRASE_MIN_CHARS } from '../PassphraseChoice.tsx';
import type { Profile } from '../types.ts';
import { errorProps } from './field-error.ts';

type Field = 'current' | 'next' | 'repeat';
type Problems = Partial<Record<Field, string>>;

/** What is wrong with the form before asking the daemon, field by field. */
function problemsOf(hasPassphrase: boolean, current: string, next: string, repeat: string): Problems {
  const out: Problems = {};
  if (hasPassphrase && current.length === 0) out.current = 'Type your current passphrase.';
  if (next.length < PASSPHRASE_MIN_CHARS || next.length > PASSPHRASE_MAX_CHARS)
    out.next = `Use a passphrase of ${PASSPHRASE_MIN_CHARS} to ${PASSPHRASE_MAX_CHARS} characters.`;
  else if (repeat !== next) out.repeat = 'This differs from the new passphrase; type it again.';
  return out;
}

export function ChangePassphrase({
  hasPassphrase,
  onChanged,
  onClose,
}: {
  readonly hasPassphrase: boolean;
  readonly onChanged: (profile: Profile) => void;
  readonly onClose: () => void;
}) {
  const id = useId();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fields: Record<Field, RefObject<HTMLInputElement | null>> = {
    current: useRef<HTMLInputElement>(null),
    next: useRef<HTMLInputElement>(null),
    repeat: useRef<HTMLInputElement>(null),
  };
  const show = (found: Problems): void => {
    setProblems(found);
    const first = (['current', 'next', 'repeat'] as const).find((f) => found[f]);
    if (first) fields[first].current?.focus();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const found = problemsOf(hasPassphrase, current, next, repeat);
    show(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const profile = await call('account.changePassphrase', {
        passphrase: hasPassphrase ? current : null,
        newPassphrase: next,
      });
      setCurrent('');
      setNext('');
      setRepeat('');
      setDone(
        hasPassphrase
          ? 'Passphrase changed. Parley asks for the new one the next time it starts.'
          : 'Passphrase set, and the key file deleted. Parley asks for it the next time it starts.',
      );
      onChanged(profile);
    } catch (err) {
      const code = err instanceof RpcError ? err.code : '';
      const message =
        code === 'wrong-passphrase'
          ? 'That is not your current passphrase; nothing was changed. Type it again.'
          : err instanceof RpcError
            ? err.message
            : 'Could not change the passphrase; try again.';
      const field: Field = code === 'wrong-passphrase' ? 'current' : code === 'bad-input' ? 'next' : 'repeat';
      show({ [field]: message });
    } finally {
      setBusy(false);
    }
  };

  const input = (
    field: Field,
    label: string,
    value: string,
    set: (v: string) => void,
    autoComplete: string,
  ) => (
    <>
      <label className="field">
        <span>{label}</span>
        <input
          ref={fields[field]}
          type="password"
          value={value}
          maxLength={PASSPHRASE_MAX_CHARS}
          autoComplete={autoComplete}
          onChange={(e) => set(e.target.value)}
          {...errorProps(problems[field], `${id}-${field}-error`)}
        />
      </label>
      {problems[field] && (
        <p id={`${id}-${field}-error`} className="form-error">
          {problems[field]}
        </p>
      )}
    </>
  );

  return (
    <form
      className="change-passphrase"
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${id}-title`}
      noValidate
    >
      <h4 id={`${id}-title`}>{hasPassphrase ? 'Change passphrase' : 'Set a passphrase'}</h4>
      {hasPassphrase && input('current', 'Current passphrase', current, setCurrent, 'current-password')}
      {input('next', 'New passphrase', next, setNext, 'new-password')}
      {input('repeat', 'Repeat the new passphrase', repeat, setRepeat, 'new-password')}
      <p className="note">
        If you forget it, nobody can open your account: there is no reset. Copies of the data folder made
        before the change still open with the old one.
      </p>
      <p className="form-success" role="status">
        {done ?? ''}
      </p>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {done ? 'Done' : 'Cancel'}
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Changing…' : hasPassphrase ? 'Change passphrase' : 'Set passphrase'}
        </button>
      </div>
    </form>
  );
}
