/**
 * What a message's menu offers, in Signal Desktop's order: Reply, React,
 * Copy, Forward, Edit, Save, Info, then the destructive deletes. Only what
 * applies: Edit for our own text messages, Save once a file is here, Delete
 * for me for any message (on this computer only), Delete for everyone for our
 * own.
 */
import { isReady, type MessageAttachment } from '../attachments.ts';
import {
  CopyIcon,
  DownloadIcon,
  EditIcon,
  ForwardIcon,
  InfoIcon,
  ReplyIcon,
  SmileIcon,
  TrashIcon,
} from '../Icons.tsx';
import type { MessageView } from '../types.ts';
import { copyText, saveAttachment } from './clipboard.ts';
import type { MenuEntry } from './Menu.tsx';

export type DeleteScope = 'everyone' | 'me';

/** What the conversation can do with a message; absent: not offered here. */
export interface MessageMenuActions {
  readonly onReply: (m: MessageView) => void;
  readonly onEdit: (m: MessageView) => void;
  /** Asks to delete `m` for everyone (our own) or on this computer only (`me`: any message). */
  readonly onDelete: (m: MessageView, scope: DeleteScope) => void;
  readonly onForward?: (m: MessageView) => void;
  readonly onInfo?: (m: MessageView) => void;
}

export function messageMenuEntries(
  m: MessageView,
  attachment: MessageAttachment | null,
  options: {
    readonly actions: MessageMenuActions;
    /** Channel posts: no reply, react, edit or delete. */
    readonly readOnly: boolean;
    readonly onPickReaction: () => void;
  },
): MenuEntry[] {
  const { actions, readOnly } = options;
  const mine = m.direction === 'out';
  const entries: MenuEntry[] = [];
  if (m.deleted) {
    if (actions.onInfo) entries.push(info(m, actions.onInfo));
    if (!readOnly) entries.push(deleteForMe(m, actions.onDelete));
    return entries;
  }
  if (!readOnly) {
    entries.push({ id: 'reply', label: 'Reply', icon: <ReplyIcon />, onSelect: () => actions.onReply(m) });
    entries.push({ id: 'react', label: 'React', icon: <SmileIcon />, onSelect: options.onPickReaction });
  }
  if (m.text)
    entries.push({
      id: 'copy',
      label: 'Copy text',
      icon: <CopyIcon />,
      onSelect: () => void copyText(m.text),
    });
  const onForward = actions.onForward;
  if (onForward && (m.text || (attachment && isReady(attachment))))
    entries.push({ id: 'forward', label: 'Forward', icon: <ForwardIcon />, onSelect: () => onForward(m) });
  if (!readOnly && mine && !m.attachment && m.text)
    entries.push({ id: 'edit', label: 'Edit', icon: <EditIcon />, onSelect: () => actions.onEdit(m) });
  if (attachment && isReady(attachment))
    entries.push({
      id: 'save',
      label: 'Save',
      icon: <DownloadIcon />,
      onSelect: () => saveAttachment(attachment),
    });
  if (actions.onInfo) entries.push(info(m, actions.onInfo));
  if (!readOnly) entries.push(deleteForMe(m, actions.onDelete));
  if (!readOnly && mine)
    entries.push({
      id: 'delete',
      label: 'Delete for everyone',
      icon: <TrashIcon />,
      danger: true,
      onSelect: () => actions.onDelete(m, 'everyone'),
    });
  return entries;
}

const deleteForMe = (m: MessageView, onDelete: MessageMenuActions['onDelete']): MenuEntry => ({
  id: 'delete-for-me',
  label: 'Delete for me',
  icon: <TrashIcon />,
  danger: true,
  onSelect: () => onDelete(m, 'me'),
});

const info = (m: MessageView, onInfo: (m: MessageView) => void): MenuEntry => ({
  id: 'info',
  label: 'Info',
  icon: <InfoIcon />,
  onSelect: () => onInfo(m),
});

/** ↑ in an empty composer: edits our latest text message that can be edited. False if there is none. */
export function editLast(messages: readonly MessageView[], onEdit: (m: MessageView) => void): boolean {
  const m = messages.findLast((x) => x.direction === 'out' && !x.deleted && !x.attachment && x.text !== '');
  if (!m) return false;
  onEdit(m);
  return true;
}
