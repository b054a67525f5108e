/**
 * Confirms a message's deletion: for everyone (our own; a delete is sent) or for me (any message,
 * on this computer only; its file goes too). The daemon's `expired` event takes a message deleted
 * for me out of the open conversation; one deleted for everyone comes back as a tombstone.
 */
import { call } from '../api.ts';
import { ConfirmDialog } from '../Dialog.tsx';
import type { MessageView } from '../types.ts';
import type { DeleteScope } from './entries.tsx';

export interface Deleting {
  readonly message: MessageView;
  readonly scope: DeleteScope;
}

export function DeleteDialog({
  conversation,
  audience,
  deleting,
  onDeleted,
  onError,
  onClose,
}: {
  /** The contact's or the group's name. */
  readonly conversation: string;
  /** Who else loses it when deleted for everyone: "bob", "everyone in climbing". */
  readonly audience: string;
  readonly deleting: Deleting;
  /** The tombstone a delete for everyone leaves. */
  readonly onDeleted: (m: MessageView) => void;
  readonly onError: (err: unknown) => void;
  readonly onClose: () => void;
}) {
  const m = deleting.message;
  if (deleting.scope === 'everyone')
    return (
      <ConfirmDialog
        title="Delete for everyone?"
        text={`The message disappears for you and for ${audience}. This cannot be undone.`}
        confirm="Delete"
        onConfirm={() =>
          void call('messages.delete', { contact: conversation, id: m.id }).then(onDeleted, onError)
        }
        onClose={onClose}
      />
    );
  return (
    <ConfirmDialog
      title="Delete for me?"
      text={`The message${m.attachment ? ' and its file' : ''} will be removed from this computer only. ${
        m.direction === 'out'
          ? `${capitalized(audience)} will still have it.`
          : 'The sender will still have it.'
      } This cannot be undone.`}
      confirm="Delete for me"
      onConfirm={() =>
        void call('messages.deleteForMe', {
          contact: conversation,
          id: m.id,
          sender: m.direction === 'out' ? 'self' : 'peer',
        }).catch(onError)
      }
      onClose={onClose}
    />
  );
}

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
