/**
 * Settings → Mailboxes: the mailboxes that hold your messages while you are away (docs/CLI.md
 * "Mailboxes"). Pair by pasting a mailbox's link (a secret: it never leaves this page except to
 * your own daemon), remove one, accept a contact's offer to hold your mail.
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { call, RpcError } from './api.ts';
import type { MailboxView } from './types.ts';

const MAX_MAILBOXES = 3;

function describe(m: MailboxView): string {
  const who = m.kind === 'friend' ? `Held by ${m.contact ?? 'a contact'}` : 'Mailbox';
  const state = m.online ? 'online' : 'offline';
  return m.lastError ? `${who} · ${state} · last fetch failed: ${m.lastError}` : `${who} · ${state}`;
}

export function MailboxSettings() {
  const [boxes, setBoxes] = useState<readonly MailboxView[] | null>(null);
  const [offers, setOffers] = useState<readonly string[]>([]);
  const [link, setLink] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    void call('mailboxes.list').then(setBoxes, () => setBoxes([]));
    void call('mailboxes.offers').then(
      (o) => setOffers(o.offers.map((x) => x.contact)),
      () => setOffers([]),
    );
  }, []);
  useEffect(refresh, [refresh]);

  const run = (work: Promise<unknown>) => {
    setBusy(true);
    setError(null);
    void work
      .then(
        () => {
          setLink('');
          refresh();
        },
        (err: unknown) => setError(err instanceof RpcError ? err.message : 'That did not work; try again.'),
      )
      .finally(() => setBusy(false));
  };
  const add = (e: FormEvent) => {
    e.preventDefault();
    if (link.trim()) run(call('mailboxes.add', { link: link.trim() }));
  };
  const full = (boxes?.length ?? 0) >= MAX_MAILBOXES;

  return (
    <section aria-labelledby="mailboxes-title">
      <h3 id="mailboxes-title">Mailboxes</h3>
      <p className="note">
        A mailbox holds your messages, sealed, while you are offline, so contacts can write to you when you
        are not both online. It cannot read them. Run one with <code>parley mailbox run</code> on an always-on
        machine, or accept a friend’s offer.
      </p>
      {boxes === null ? null : boxes.length === 0 ? (
        <p className="note">
          No mailboxes yet: messages wait on your contacts’ devices until you are both online.
        </p>
      ) : (
        <ul className="mailboxes">
          {boxes.map((m) => (
            <li key={m.id}>
              <span className="mono block" title={m.id}>
                {`${m.id.slice(0, 12)}…${m.id.slice(-6)}`}
              </span>
              <span className="note block">{describe(m)}</span>
              <button
                type="button"
                className="button"
                disabled={busy}
                onClick={() => run(call('mailboxes.remove', { id: m.id }))}
                aria-label={`Remove mailbox ${m.id.slice(-6)}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {offers.map((contact) => (
        <p key={contact} className="note">
          {contact} offers to hold your mail.{' '}
          <button
            type="button"
            className="button"
            disabled={busy || full}
            onClick={() => run(call('mailboxes.accept', { contact }))}
          >
            Accept
          </button>
        </p>
      ))}
      <form onSubmit={add} className="mailbox-add">
        <label className="field">
          <span>Pair with a mailbox</span>
          <input
            type="password"
            autoComplete="off"
            placeholder="parley://mailbox/…"
            value={link}
            onChange={(e) => setLink(e.target.value)}
            disabled={busy || full}
            aria-describedby="mailbox-link-note"
          />
        </label>
        <p id="mailbox-link-note" className="note">
          {full
            ? `You use ${MAX_MAILBOXES} mailboxes, the most an account can; remove one to add another.`
            : 'Paste the link the mailbox printed. It is a secret: whoever has it can pair with that mailbox.'}
        </p>
        <button type="submit" className="button" disabled={busy || full || !link.trim()}>
          {busy ? 'Pairing…' : 'Pair'}
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
