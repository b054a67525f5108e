/** "New group": a name and members picked from contacts → groups.create. */
import { type FormEvent, useState } from 'react';
import { call, RpcError } from './api.ts';
import { Dialog } from './Dialog.tsx';
import type { ContactView, GroupView } from './types.ts';

/** Checkboxes named by contact name; `chosen` holds the checked names. */
export function ContactPicker({
  contacts,
  chosen,
  onChange,
  label,
}: {
  readonly contacts: readonly ContactView[];
  readonly chosen: ReadonlySet<string>;
  readonly onChange: (next: ReadonlySet<string>) => void;
  readonly label: string;
}) {
  const toggle = (name: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(name);
    else next.delete(name);
    onChange(next);
  };
  if (contacts.length === 0) return <p className="muted">No contacts to add.</p>;
  return (
    <fieldset className="picker">
      <legend>{label}</legend>
      {contacts.map((c) => (
        <label key={c.id} className="picker-row">
          <input
            type="checkbox"
            checked={chosen.has(c.name)}
            onChange={(e) => toggle(c.name, e.target.checked)}
          />
          <span>{c.name}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function NewGroup({
  contacts,
  onClose,
  onCreated,
}: {
  readonly contacts: readonly ContactView[];
  readonly onClose: () => void;
  readonly onCreated: (group: GroupView) => void;
}) {
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!name.trim()) return setError('Give the group a name.');
    if (chosen.size === 0) return setError('Pick at least one member.');
    setBusy(true);
    try {
      const group = await call('groups.create', { name: name.trim(), members: [...chosen] });
      onCreated(group);
      onClose();
    } catch (err) {
      setError(err instanceof RpcError ? err.message : 'Could not create the group.');
      setBusy(false);
    }
  };

  return (
    <Dialog title="New group" onClose={onClose}>
      <form className="stack-form" onSubmit={(e) => void create(e)}>
        <label className="field">
          <span>Group name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        </label>
        <ContactPicker
          contacts={contacts.filter((c) => c.state === 'active')}
          chosen={chosen}
          onChange={setChosen}
          label="Members"
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary wide" disabled={busy}>
          {busy ? 'Creating…' : 'Create group'}
        </button>
      </form>
    </Dialog>
  );
}
