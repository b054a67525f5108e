/** A message's menu (right-click or ⋯) and the dialogs it opens. */
export { copyText, saveAttachment } from './clipboard.ts';
export { DeleteDialog, type Deleting } from './DeleteDialog.tsx';
export { type DeleteScope, editLast, type MessageMenuActions, messageMenuEntries } from './entries.tsx';
export { forward } from './ForwardDialog.tsx';
export { Menu, type MenuAnchor, type MenuEntry } from './Menu.tsx';
export { type MessageDialogs, useMessageDialogs } from './MessageDialogs.tsx';
export { MessageInfo, readByInWords, receiptsInShort, receiptsInWords } from './MessageInfo.tsx';
export { type MessageMenuParts, type MessageMenuProps, useMessageMenu } from './use-message-menu.tsx';
