/**
 * Channel info: the follow link as a QR code with a Copy button; for the
 * owner, appointed publishers (Appoint a contact, Remove), and for a private
 * channel follow requests (Approve) and followers (Remove); "Unfollow" for
 * followers.
 */
import { useEffect, useState } from 'react';
import { call, RpcError } from './api.ts';
import { ConfirmDialog, Dialog } from './Dialog.tsx';
import { Qr } from './Qr.tsx';
import type { ChannelView, ContactView } from './types.ts';

type Pending =
  | { readonly kind: 'remove'; readonly contact: string }
  | { readonly kind: 'remove-publisher'; readonly contact: string }
  | { readonly kind: 'unfollow' }
  | null;

/** Owner: choose a contact to appoint as a publisher. */
function AppointPublisher({
  taken,
  onAppoint,
}: {
  readonly taken: readonly string[];
  readonly onAppoint: (contact: string) => void;
}) {
  const [contacts, setContacts] = useState<readonly ContactView[]>([]);
  const [chosen, setChosen] = useState('');
  useEffect(() => {
    void call('contacts.list').then(setContacts, () => undefined);
  }, []);
  const candidates = contacts.filter((c) => c.state === 'active' && !taken.includes(c.name));
  if (candidates.length === 0) return null;
  return (
    <form
      className="inline-form"
      aria-label="Appoint a publisher"
      onSubmit={(e) => {
        e.preventDefault();
        if (chosen) onAppoint(chosen);
        setChosen('');
      }}
    >
      <label className="field">
        <span>Appoint a publisher</span>
        <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">Choose a contact…</option>
          {candidates.map((c) => (
            <option key={c.id} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="button" disabled={!chosen}>
        Appoint
      </button>
    </form>
  );
}

function FollowLink({ name }: { readonly name: string }) {
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void call('channels.invite', { name }).then(
      (r) => setLink(r.link),
      (err: unknown) => setError(err instanceof RpcError ? err.message : 'No follow link.'),
    );
  }, [name]);
  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setError('Copying failed: select the link and copy it by hand.');
    }
  };
  return (
    <section aria-labelledby="follow-link-title">
      <h3 id="follow-link-title">Follow link</h3>
      {link ? (
        <>
          <Qr text={link} label={`Follow link for ${name} as a QR code`} size={180} />
          <div className="copy-row">
            <input readOnly aria-label="Follow link" value={link} onFocus={(e) => e.target.select()} />
            <button type="button" className="button primary" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
        </>
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function People({
  title,
  names,
  action,
  onAction,
}: {
  readonly title: string;
  readonly names: readonly string[];
  readonly action: string;
  readonly onAction: (name: string) => void;
}) {
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      {names.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="member-list">
          {names.map((n) => (
            <li key={n} className="member-row">
              <span className="member-name">{n}</span>
              <button
                type="button"
                className="button small"
                aria-label={`${action} ${n}`}
                onClick={() => onAction(n)}
              >
                {action}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function describe(ch: ChannelView): string {
  const kind = ch.private
    ? 'Private channel: posts are encrypted for the followers the owner approves.'
    : 'Public channel: anyone with the link may follow. Posts are signed, not secret.';
  const who =
    ch.role === 'owner'
      ? 'You own it.'
      : ch.role === 'publisher'
        ? 'The owner appointed you: you may post in it.'
        : ch.status === 'requested'
          ? 'Your request to follow waits for the owner.'
          : 'You follow it.';
  return `${kind} ${who}`;
}

/**
 * How many follow the channel, as far as anyone can know: the owner of a private channel approved
 * each follower; a public channel's followers tell no one (they only subscribe to its topic), so
 * there is no count to show, and the owner is told why.
 */
function followersLine(ch: ChannelView): string | null {
  if (ch.role !== 'owner') return null;
  if (!ch.private) return 'Followers are not counted: following a public channel tells no one, not even you.';
  const n = ch.followers.length;
  const waiting = ch.requests.length > 0 ? ` · ${ch.requests.length} waiting for approval` : '';
  return `${n} ${n === 1 ? 'follower' : 'followers'}${waiting}`;
}

export function ChannelInfo({
  channel,
  onClose,
  onChanged,
  onUnfollowed,
}: {
  readonly channel: ChannelView;
  readonly onClose: () => void;
  readonly onChanged: () => void;
  readonly onUnfollowed: () => void;
}) {
  const [pending, setPending] = useState<Pending>(null);
  const [error, setError] = useState<string | null>(null);
  const name = channel.name;
  /** Shows what became of a change: `after` on success, else the daemon's reason. */
  const act = (change: Promise<unknown>, after = onChanged) =>
    void change.then(after, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : 'That did not work.'),
    );
  const owner = channel.role === 'owner';
  return (
    <Dialog title={`About ${name}`} onClose={onClose}>
      <div className="contact-info">
        <p className="muted">{describe(channel)}</p>
        {followersLine(channel) && <p className="channel-followers">{followersLine(channel)}</p>}
        <FollowLink name={name} />
        {owner && (
          <>
            <People
              title="Publishers"
              names={channel.publishers ?? []}
              action="Remove"
              onAction={(contact) => setPending({ kind: 'remove-publisher', contact })}
            />
            <AppointPublisher
              taken={channel.publishers ?? []}
              onAppoint={(contact) => act(call('channels.addPublisher', { name, contact }))}
            />
          </>
        )}
        {owner && channel.private && (
          <>
            <People
              title="Follow requests"
              names={channel.requests}
              action="Approve"
              onAction={(contact) => act(call('channels.approve', { name, contact }))}
            />
            <People
              title="Followers"
              names={channel.followers}
              action="Remove"
              onAction={(contact) => setPending({ kind: 'remove', contact })}
            />
          </>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {!owner && (
          <section className="danger-zone">
            <button
              type="button"
              className="button danger-button"
              onClick={() => setPending({ kind: 'unfollow' })}
            >
              Unfollow
            </button>
          </section>
        )}
      </div>
      {pending?.kind === 'remove' && (
        <ConfirmDialog
          title={`Remove ${pending.contact}?`}
          text={`${pending.contact} stops receiving new posts; the channel's key is rotated.`}
          confirm="Remove"
          onConfirm={() => act(call('channels.removeFollower', { name, contact: pending.contact }))}
          onClose={() => setPending(null)}
        />
      )}
      {pending?.kind === 'remove-publisher' && (
        <ConfirmDialog
          title={`Remove ${pending.contact} as a publisher?`}
          text={`Followers will refuse new posts from ${pending.contact}; what they posted stays.`}
          confirm="Remove"
          onConfirm={() => act(call('channels.removePublisher', { name, contact: pending.contact }))}
          onClose={() => setPending(null)}
        />
      )}
      {pending?.kind === 'unfollow' && (
        <ConfirmDialog
          title={`Unfollow ${name}?`}
          text="Its posts are removed from this computer."
          confirm="Unfollow"
          onConfirm={() => act(call('channels.unfollow', { name }), onUnfollowed)}
          onClose={() => setPending(null)}
        />
      )}
    </Dialog>
  );
}
