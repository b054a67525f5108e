/**
 * A pending group invitation (docs/GROUPS.md "Invitations"): nothing is sent to the group, and none
 * of its members we do not know is contacted, until the user accepts. Declining tells the inviter.
 */
import { useState } from 'react';
import { call, RpcError } from './api.ts';
import type { GroupView } from './types.ts';

export function GroupInvitation({
  group,
  onChanged,
}: {
  readonly group: GroupView;
  readonly onChanged: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const answer = (method: 'groups.accept' | 'groups.decline') => {
    setBusy(true);
    setError(null);
    void call(method, { group: group.id }).then(onChanged, (err: unknown) => {
      setBusy(false);
      setError(err instanceof RpcError ? err.message : 'That did not work.');
    });
  };
  const others = group.members.filter((m) => !m.me).length;
  return (
    <section className="banner info" aria-label="Group invitation">
      <div className="banner-body">
        <strong>{`${group.invitedBy ?? 'A contact'} invited you to ${group.name}`}</strong>
        <span>
          {`${others} other ${others === 1 ? 'member' : 'members'}. Until you join, nobody in the group is
          contacted and you see none of its messages. Members you do not know are introduced to you by
          ${group.invitedBy ?? 'the inviter'} when you join.`}
        </span>
        {error && (
          <span className="form-error" role="alert">
            {error}
          </span>
        )}
      </div>
      <div className="banner-actions">
        <button type="button" className="button" disabled={busy} onClick={() => answer('groups.decline')}>
          Decline
        </button>
        <button
          type="button"
          className="button primary"
          disabled={busy}
          onClick={() => answer('groups.accept')}
        >
          Join group
        </button>
      </div>
    </section>
  );
}
