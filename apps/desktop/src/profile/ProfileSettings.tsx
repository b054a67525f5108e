/**
 * Settings → Profile: your name (what new invites and cards carry; `account.rename`), your
 * fingerprint, what protects the account, and the passphrase form (ChangePassphrase).
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import { call, RpcError } from '../api.ts';
import type { Profile } from '../types.ts';
import { ChangePassphrase } from './ChangePassphrase.tsx';
import { errorProps } from './field-error.ts';

/** Longest name the daemon accepts (core's DISPLAY_NAME_MAX_CHARS). */
const NAME_MAX_CHARS = 64;

export function ProfileSettings({ onRenamed }: { readonly onRenamed: () => void }) {
  const id = useId();
  const [profile, setProfile] = useState<Profile | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [changing, setChanging] = useState(false);

  useEffect(() => {
    void call('account.get').then(
      (p) => {
        setProfile(p);
        setName(p.name);
      },
      (err: unknown) => setError(err instanceof RpcError ? err.message : 'Could not read your profile.'),
    );
  }, []);

  const rename = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    if (name.trim().length === 0) {
      setError('Type a name of 1 to 64 characters.');
      return;
    }
    setBusy(true);
    try {
      const p = await call('account.rename', { name });
      setProfile(p);
      setName(p.name);
      setSaved(`Saved. New invites carry the name ${p.name}.`);
      onRenamed();
    } catch (err) {
      setError(err instanceof RpcError ? err.message : 'Could not save the name; try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${id}-title`} className="profile">
      <h3 id={`${id}-title`}>Profile</h3>
      <form onSubmit={(e) => void rename(e)} className="profile-name" noValidate>
        <label className="field">
          <span>Display name</span>
          <input
            value={name}
            maxLength={NAME_MAX_CHARS}
            autoComplete="nickname"
            onChange={(e) => setName(e.target.value)}
            {...errorProps(error, `${id}-name-error`)}
          />
        </label>
        {error && (
          <p id={`${id}-name-error`} className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button" disabled={busy || !profile || name.trim() === profile.name}>
          {busy ? 'Saving…' : 'Save name'}
        </button>
        <p className="note" role="status">
          {saved ?? 'New invites carry this name; contacts you have already keep the name they gave you.'}
        </p>
      </form>
      <p className="note">
        Fingerprint (your half of every safety number):{' '}
        <span className="mono">{profile?.fingerprint ?? ''}</span>
      </p>
      <p className="note">
        {profile?.protection === 'keyfile'
          ? 'Your keys are protected by a key file in the data folder, not by a passphrase.'
          : 'Your keys are protected by your passphrase.'}
      </p>
      {changing && profile ? (
        <ChangePassphrase
          hasPassphrase={profile.protection === 'passphrase'}
          onChanged={setProfile}
          onClose={() => setChanging(false)}
        />
      ) : (
        <button type="button" className="button" disabled={!profile} onClick={() => setChanging(true)}>
          {profile?.protection === 'keyfile' ? 'Set a passphrase' : 'Change passphrase'}
        </button>
      )}
    </section>
  );
}
