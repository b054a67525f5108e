/**
 * One message: bubble, quoted reply, text (links inert until clicked),
 * reactions, time and delivery status, and its actions: react and reply on
 * hover, everything else in its menu (right-click or ⋯, message-menu/). All
 * text is rendered as React text nodes.
 */
import { memo } from 'react';
import { AttachmentBody } from './AttachmentBody.tsx';
import { Avatar } from './Avatar.tsx';
import type { MessageAttachment } from './attachments.ts';
import { formatTime, preview } from './format.ts';
import { GroupReadCount, GroupReceipts } from './GroupReceipts.tsx';
import { ClockIcon, StoredIcon, Ticks, TimerIcon } from './Icons.tsx';
import { MessageText } from './MessageText.tsx';
import { memberColour } from './member-colours.ts';
import { type MessageMenuActions, useMessageMenu } from './message-menu/index.ts';
import type { MessageView, ReactionView } from './types.ts';

export interface QuoteInfo {
  readonly key: string;
  readonly author: string;
  readonly text: string;
}

export interface BubbleActions extends MessageMenuActions {
  readonly onReact: (m: MessageView, emoji: string) => void;
  readonly onJump: (key: string) => void;
  /** Opens a photo or video in the lightbox; absent: no lightbox here. */
  readonly onOpenMedia?: (m: MessageView) => void;
}

const STATUS_LABEL: Readonly<Record<string, string>> = {
  queued: 'Queued',
  sent: 'Sent',
  stored: 'Stored in their mailbox until they are back',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Failed',
};

function Status({ m }: { readonly m: MessageView }) {
  if (m.direction !== 'out') return null;
  const label = STATUS_LABEL[m.status] ?? m.status;
  return (
    <span
      className={`status status-${m.status}`}
      role="img"
      aria-label={label}
      title={m.error ? `${label}: ${m.error}` : label}
    >
      {m.status === 'queued' ? (
        <ClockIcon />
      ) : m.status === 'failed' ? (
        '!'
      ) : m.status === 'stored' ? (
        <StoredIcon />
      ) : (
        <Ticks count={m.status === 'sent' ? 1 : 2} />
      )}
    </span>
  );
}

function Reactions({ reactions }: { readonly reactions: readonly ReactionView[] }) {
  if (!reactions.length) return null;
  const groups = new Map<string, string[]>();
  for (const r of reactions) groups.set(r.emoji, [...(groups.get(r.emoji) ?? []), r.from]);
  return (
    <ul className="reactions" aria-label="Reactions">
      {[...groups].map(([emoji, from]) => (
        <li key={emoji} className="reaction" title={from.join(', ')}>
          <span aria-hidden="true">{emoji}</span>
          <span className="visually-hidden">{`${emoji} from ${from.join(', ')}`}</span>
          {from.length > 1 && <span className="reaction-count">{from.length}</span>}
        </li>
      ))}
    </ul>
  );
}

function MessageBubbleImpl({
  message: m,
  first,
  quote,
  attachment,
  actions,
  sender = null,
  senderColour,
  readOnly = false,
}: {
  readonly message: MessageView;
  readonly first: boolean;
  /** A group member's name, shown above their first bubble of a run. */
  readonly sender?: string | null;
  /** The colour of that name (member-colours.ts): the member's own in this group. */
  readonly senderColour?: string;
  /** Channel posts: no reply, react, edit or delete. */
  readonly readOnly?: boolean;
  readonly quote: QuoteInfo | null;
  /** The message's attachment with live transfer progress. */
  readonly attachment?: MessageAttachment | null;
  readonly actions: BubbleActions;
}) {
  const mine = m.direction === 'out';
  // A group member's run: their avatar beside its first bubble, the run's other bubbles in line with it.
  const colour = sender ? (senderColour ?? memberColour(sender)) : undefined;
  const menu = useMessageMenu({ message: m, attachment: attachment ?? null, actions, readOnly });
  return (
    <article
      className={`message ${mine ? 'out' : 'in'}${first ? ' first' : ''}${sender ? ' from-member' : ''}${m.deleted ? ' deleted' : ''}`}
      aria-label={`${mine ? 'You' : m.from}, ${formatTime(m.sentAt)}`}
      onContextMenu={menu.onContextMenu}
    >
      {m.gapBefore && <p className="gap-note">Some earlier messages did not arrive.</p>}
      {sender && first && (
        <p className="sender-name" style={{ color: colour }}>
          {sender}
        </p>
      )}
      <div className="bubble-line">
        {sender && first && colour && <Avatar name={sender} size={28} colour={colour} />}
        <div className={`bubble${attachment && !m.deleted ? ' attached' : ''}`}>
          {quote && !m.deleted && (
            <button
              type="button"
              className="quote"
              aria-label={`Reply to ${quote.author}: ${preview(quote.text, 60)}`}
              onClick={() => actions.onJump(quote.key)}
            >
              <span className="quote-author">{quote.author}</span>
              <span className="quote-text">{preview(quote.text, 120)}</span>
            </button>
          )}
          {m.deleted ? (
            <span className="message-text deleted-text">
              {mine ? 'You deleted this message' : 'This message was deleted'}
            </span>
          ) : (
            <>
              {attachment && (
                <AttachmentBody
                  a={attachment}
                  mine={mine}
                  {...(actions.onOpenMedia ? { onOpen: () => actions.onOpenMedia?.(m) } : {})}
                />
              )}
              {(m.text || !attachment) && <MessageText text={m.text} />}
            </>
          )}
          <span className="meta">
            {m.expiresAt !== null && (
              <span className="meta-icon" title="Disappearing message">
                <TimerIcon />
              </span>
            )}
            {m.edited && !m.deleted && <span className="edited">edited</span>}
            <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
            <Status m={m} />
            {m.readBy ? (
              <GroupReadCount readBy={m.readBy} />
            ) : (
              m.receipts && m.receipts.length > 0 && <GroupReceipts receipts={m.receipts} />
            )}
          </span>
        </div>
        {menu.bar}
      </div>
      {menu.popups}
      <Reactions reactions={m.reactions} />
      {m.status === 'failed' && m.error && <p className="message-error">{m.error}</p>}
    </article>
  );
}

export const MessageBubble = memo(MessageBubbleImpl);
