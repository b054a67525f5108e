/**
 * Group info: the picture, members with roles and online dots; for admins,
 * set the picture, add members, remove a member, make a member an admin or
 * an admin a member again, and rename (each confirmed); "Leave group" for
 * everyone.
 */
import { type FormEvent, useState } from 'react';
import { Avatar } from './Avatar.tsx';
import { call, RpcError } from './api.ts';
import { ConfirmDialog, Dialog } from './Dialog.tsx';
import { GroupPictureEditor } from './GroupPicture.tsx';
import { ContactPicker } from './NewGroup.tsx';
import { GroupAvatar } from './Sidebar.tsx';
import type { ContactView, GroupMemberView, GroupView } from './types.ts';

type Pending =
  | { readonly kind: 'remove'; readonly member: string }
  | { readonly kind: 'role'; readonly member: string; readonly role: 'admin' | 'member' }
  | { readonly kind: 'rename'; readonly to: string }
  | { readonly kind: 'add'; readonly members: readonly string[] }
  | { readonly kind: 'leave' };

function confirmText(p: Pending, group: string): { title: string; text: string; confirm: string } {
  switch (p.kind) {
    case 'remove':
      return {
        title: `Remove ${p.member}?`,
        text: `${p.member} can no longer read what is sent in ${group} from now on.`,
        confirm: 'Remove',
      };
    case 'role':
      return p.role === 'admin'
        ? {
            title: `Make ${p.member} an admin?`,
            text: `${p.member} will be able to add and remove members, rename ${group}, change its picture and make other admins.`,
            confirm: 'Make admin',
          }
        : {
            title: `Remove ${p.member} as admin?`,
            text: `${p.member} stays in ${group} as a member.`,
            confirm: 'Remove as admin',
          };
    case 'rename':
      return { title: 'Rename the group?', text: `Everyone will see it as "${p.to}".`, confirm: 'Rename' };
    case 'add':
      return {
        title: `Add ${p.members.join(', ')}?`,
        text: 'New members cannot read what was sent before they joined.',
        confirm: 'Add',
      };
    case 'leave':
      return {
        title: `Leave ${group}?`,
        text: 'You keep the history on this computer but stop receiving messages.',
        confirm: 'Leave',
      };
  }
}

function MemberRow({
  m,
  admin,
  onRemove,
  onRole,
}: {
  readonly m: GroupMemberView;
  readonly admin: boolean;
  readonly onRemove: (name: string) => void;
  readonly onRole: (name: string, role: 'admin' | 'member') => void;
}) {
  const role = m.role === 'admin' ? 'Admin' : 'Member';
  return (
    <li
      className="member-row"
      aria-label={`${m.me ? 'You' : m.name}, ${role}, ${m.online ? 'online' : 'offline'}`}
    >
      <Avatar name={m.name} size={32} {...(m.me ? {} : { online: m.online })} />
      <span className="member-name">{m.me ? `${m.name} (you)` : m.name}</span>
      <span className="member-role muted">{role}</span>
      {admin && !m.me && (
        <button
          type="button"
          className="button small"
          // (the visible words first: an accessible name must contain what the button shows)
          aria-label={m.role === 'admin' ? `Remove as admin: ${m.name}` : `Make admin: ${m.name}`}
          onClick={() => onRole(m.name, m.role === 'admin' ? 'member' : 'admin')}
        >
          {m.role === 'admin' ? 'Remove as admin' : 'Make admin'}
        </button>
      )}
      {admin && !m.me && (
        <button
          type="button"
          className="button small danger-button"
          aria-label={`Remove ${m.name}`}
          onClick={() => onRemove(m.name)}
        >
          Remove
        </button>
      )}
    </li>
  );
}

export function GroupInfo({
  group,
  contacts,
  onClose,
  onChanged,
}: {
  readonly group: GroupView;
  readonly contacts: readonly ContactView[];
  readonly onClose: () => void;
  readonly onChanged: () => void;
}) {
  const [pending, setPending] = useState<Pending | null>(null);
  const [error, setError] = useState<string | null>(null);
  const active = group.status === 'active';
  const admin = group.admin && active;
  const name = group.name;

  const apply = (p: Pending) => {
    setError(null);
    const change =
      p.kind === 'remove'
        ? call('groups.remove', { name, member: p.member })
        : p.kind === 'role'
          ? call('groups.setRole', { name, member: p.member, role: p.role })
          : p.kind === 'rename'
            ? call('groups.rename', { name, newName: p.to })
            : p.kind === 'add'
              ? call('groups.add', { name, members: [...p.members] })
              : call('groups.leave', { name });
    void change.then(onChanged, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : 'That did not work.'),
    );
  };

  return (
    <Dialog title={`About ${name}`} onClose={onClose}>
      <div className="contact-info">
        {group.picture && (
          <div className="group-picture" role="img" aria-label={`Picture of ${name}`}>
            <GroupAvatar group={group} size={56} />
          </div>
        )}
        {admin && <GroupPictureEditor group={group} onChanged={onChanged} />}
        <section aria-labelledby="members-title">
          <h3 id="members-title">{`Members (${group.members.length})`}</h3>
          <ul className="member-list" aria-label="Members">
            {group.members.map((m) => (
              <MemberRow
                key={m.peerId}
                m={m}
                admin={admin}
                onRemove={(member) => setPending({ kind: 'remove', member })}
                onRole={(member, role) => setPending({ kind: 'role', member, role })}
              />
            ))}
          </ul>
        </section>
        {admin && <AdminTools group={group} contacts={contacts} onPending={setPending} />}
        {!active && (
          <p className="muted">
            {group.status === 'invited'
              ? `${group.invitedBy ?? 'A contact'} invited you; you have not joined yet.`
              : group.status === 'left'
                ? 'You left this group.'
                : 'You were removed from this group.'}
          </p>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {active && (
          <section className="danger-zone">
            <button
              type="button"
              className="button danger-button"
              onClick={() => setPending({ kind: 'leave' })}
            >
              Leave group
            </button>
          </section>
        )}
      </div>
      {pending && (
        <ConfirmDialog
          {...confirmText(pending, name)}
          onConfirm={() => apply(pending)}
          onClose={() => setPending(null)}
        />
      )}
    </Dialog>
  );
}

function AdminTools({
  group,
  contacts,
  onPending,
}: {
  readonly group: GroupView;
  readonly contacts: readonly ContactView[];
  readonly onPending: (p: Pending) => void;
}) {
  const [newName, setNewName] = useState(group.name);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const inGroup = new Set(group.members.map((m) => m.peerId));
  const candidates = contacts.filter((c) => c.state === 'active' && !inGroup.has(c.peerId));
  const rename = (e: FormEvent) => {
    e.preventDefault();
    const to = newName.trim();
    if (to && to !== group.name) onPending({ kind: 'rename', to });
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (chosen.size) onPending({ kind: 'add', members: [...chosen] });
    setChosen(new Set());
  };
  return (
    <>
      <form className="inline-form" onSubmit={rename} aria-label="Rename group">
        <label className="field">
          <span>Group name</span>
          <input value={newName} onChange={(e) => setNewName(e.target.value)} maxLength={100} />
        </label>
        <button type="submit" className="button" disabled={!newName.trim() || newName.trim() === group.name}>
          Rename
        </button>
      </form>
      <form className="stack-form" onSubmit={add} aria-label="Add members">
        <ContactPicker contacts={candidates} chosen={chosen} onChange={setChosen} label="Add members" />
        {candidates.length > 0 && (
          <button type="submit" className="button" disabled={chosen.size === 0}>
            Add members
          </button>
        )}
      </form>
    </>
  );
}
