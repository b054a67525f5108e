/**
 * "Back to chats" in a conversation's header: shown only in a narrow window
 * (styles.css, below NARROW_MAX_PX), where the chat list and the open chat
 * take turns filling the window.
 */
import { BackIcon } from './Icons.tsx';

export function BackButton({ onBack }: { readonly onBack: () => void }) {
  return (
    <button
      type="button"
      className="icon-button back-button"
      aria-label="Back to chats"
      title="Back to chats"
      onClick={onBack}
    >
      <BackIcon />
    </button>
  );
}
