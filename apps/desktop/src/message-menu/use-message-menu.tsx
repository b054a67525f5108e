/**
 * A message bubble's menu, opened by right-click (or the keyboard's context
 * menu key) on the message or by its ⋯ button, and the reaction pickers: a
 * quick row of six, and the full picker from the menu's React or the row's
 * "+". Closing with Escape gives focus back to the ⋯ button.
 */
import { type MouseEvent, type ReactNode, useRef, useState } from 'react';
import type { MessageAttachment } from '../attachments.ts';
import { QUICK_REACTIONS } from '../emoji.ts';
import { MoreIcon, PlusIcon, ReplyIcon, SmileIcon } from '../Icons.tsx';
import type { MessageView } from '../types.ts';
import { type MessageMenuActions, messageMenuEntries } from './entries.tsx';
import { Menu, type MenuAnchor } from './Menu.tsx';
import { ReactionPicker } from './ReactionPicker.tsx';

export interface MessageMenuProps {
  readonly message: MessageView;
  readonly attachment: MessageAttachment | null;
  readonly actions: MessageMenuActions & { readonly onReact: (m: MessageView, emoji: string) => void };
  readonly readOnly: boolean;
}

export interface MessageMenuParts {
  /** For the message's article: right-click opens the menu. */
  readonly onContextMenu: (e: MouseEvent<HTMLElement>) => void;
  /** The hover/focus action row beside the bubble. */
  readonly bar: ReactNode;
  /** The quick reactions row, the menu, the full picker (whichever is open). */
  readonly popups: ReactNode;
}

export function useMessageMenu({
  message: m,
  attachment,
  actions,
  readOnly,
}: MessageMenuProps): MessageMenuParts {
  const [menu, setMenu] = useState<MenuAnchor | null>(null);
  const [picker, setPicker] = useState<'quick' | MenuAnchor | null>(null);
  const more = useRef<HTMLButtonElement>(null);
  const myReaction = m.reactions.find((r) => r.from === 'me')?.emoji;
  const react = (emoji: string) => {
    setPicker(null);
    actions.onReact(m, emoji);
  };
  const refocus = () => more.current?.focus();

  const onContextMenu = (e: MouseEvent<HTMLElement>) => {
    const target = e.target as HTMLElement;
    // A link, a video's controls or selected text keep the browser's own menu (copy link, copy selection).
    if (target.closest('a[href], video') || !(window.getSelection()?.isCollapsed ?? true)) return;
    e.preventDefault();
    const keyboard = e.clientX === 0 && e.clientY === 0;
    setMenu(keyboard && more.current ? { element: more.current } : { x: e.clientX, y: e.clientY });
  };

  const entries = messageMenuEntries(m, attachment, {
    actions,
    readOnly,
    onPickReaction: () => setPicker(menu ?? (more.current ? { element: more.current } : { x: 0, y: 0 })),
  });

  const bar =
    m.deleted && entries.length === 0 ? null : (
      <div className="message-actions">
        {!readOnly && !m.deleted && (
          <>
            {/* Mouse shortcuts: keyboard users reach both through the ⋯ menu, one Tab stop per message. */}
            <button
              type="button"
              className="icon-button small"
              tabIndex={-1}
              aria-label="React"
              title="React"
              aria-expanded={picker === 'quick'}
              onClick={() => setPicker((p) => (p === 'quick' ? null : 'quick'))}
            >
              <SmileIcon />
            </button>
            <button
              type="button"
              className="icon-button small"
              tabIndex={-1}
              aria-label="Reply"
              title="Reply"
              onClick={() => actions.onReply(m)}
            >
              <ReplyIcon />
            </button>
          </>
        )}
        <button
          ref={more}
          type="button"
          className="icon-button small"
          aria-label="More actions"
          title="More actions"
          aria-haspopup="menu"
          aria-expanded={menu !== null}
          onClick={() => setMenu((open) => (open ? null : { element: more.current as HTMLElement }))}
        >
          <MoreIcon />
        </button>
      </div>
    );

  const popups = (
    <>
      {picker === 'quick' && (
        <div className="reaction-picker">
          {QUICK_REACTIONS.map((e) => (
            <button
              key={e}
              type="button"
              className={`emoji-button${e === myReaction ? ' chosen' : ''}`}
              aria-label={e === myReaction ? `Remove reaction ${e}` : `React with ${e}`}
              aria-pressed={e === myReaction}
              onClick={() => react(e === myReaction ? '' : e)}
            >
              {e}
            </button>
          ))}
          <button
            type="button"
            className="emoji-button more-reactions"
            aria-label="More reactions"
            title="More reactions"
            onClick={() => setPicker(more.current ? { element: more.current } : null)}
          >
            <PlusIcon />
          </button>
        </div>
      )}
      {picker !== null && picker !== 'quick' && (
        <ReactionPicker
          anchor={picker}
          mine={myReaction}
          onPick={react}
          onClose={() => {
            setPicker(null);
            refocus();
          }}
        />
      )}
      {menu && (
        <Menu
          label="Message actions"
          entries={entries}
          anchor={menu}
          onClose={(restore) => {
            setMenu(null);
            if (restore) refocus();
          }}
        />
      )}
    </>
  );

  return { onContextMenu, bar, popups };
}
