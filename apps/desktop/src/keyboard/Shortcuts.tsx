/**
 * The global shortcuts (keys.ts): Ctrl+K opens "Jump to a chat", Alt+↑/↓ open the previous or
 * next chat in the list's order, Ctrl+/ lists the shortcuts. Not while another dialog is open.
 */
import { useEffect, useRef, useState } from 'react';
import { type ChatItem, sortChats } from '../chats.ts';
import { Dialog } from '../Dialog.tsx';
import { JumpToChat } from './JumpToChat.tsx';
import { SHORTCUTS, shortcutOf } from './keys.ts';

export function Shortcuts({
  chats,
  selected,
  blocked,
  onSelect,
}: {
  readonly chats: readonly ChatItem[];
  readonly selected: string | null;
  /** Another dialog is open: its keys are its own. */
  readonly blocked: boolean;
  readonly onSelect: (key: string) => void;
}) {
  const [open, setOpen] = useState<'jump' | 'help' | null>(null);
  const state = useRef({ chats, selected, blocked: blocked || open !== null, onSelect });
  state.current = { chats, selected, blocked: blocked || open !== null, onSelect };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutOf(e);
      const s = state.current;
      if (!action || s.blocked || document.querySelector('dialog[open]')) return;
      e.preventDefault();
      if (action === 'jump' || action === 'help') return setOpen(action);
      const order = sortChats(s.chats, '');
      if (order.length === 0) return;
      const at = order.findIndex((c) => c.key === s.selected);
      const next = at < 0 ? (action === 'next' ? 0 : order.length - 1) : at + (action === 'next' ? 1 : -1);
      const chat = order[Math.min(order.length - 1, Math.max(0, next))];
      if (chat) s.onSelect(chat.key);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (open === 'jump')
    return (
      <JumpToChat
        chats={chats}
        onClose={() => setOpen(null)}
        onChoose={(key) => {
          setOpen(null);
          onSelect(key);
        }}
      />
    );
  if (open === 'help')
    return (
      <Dialog title="Keyboard shortcuts" onClose={() => setOpen(null)}>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.what}>
                <th scope="row">
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 && (s.either ? ' or ' : ' + ')}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </th>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Dialog>
    );
  return null;
}
