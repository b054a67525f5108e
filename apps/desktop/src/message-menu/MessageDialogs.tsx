/** The dialogs a message's menu opens (Forward, Info), held by the open conversation. */
import { type ReactNode, useCallback, useState } from 'react';
import type { MessageAttachment } from '../attachments.ts';
import type { MessageView } from '../types.ts';
import { ForwardDialog } from './ForwardDialog.tsx';
import { MessageInfo } from './MessageInfo.tsx';

type Open =
  | { readonly kind: 'forward'; readonly message: MessageView }
  | { readonly kind: 'info'; readonly message: MessageView }
  | null;

export interface MessageDialogs {
  readonly onForward: (m: MessageView) => void;
  readonly onInfo: (m: MessageView) => void;
  /**
   * The open dialog, if any. `latest` is the message as it stands now (receipts change while Info
   * is open); `attachmentOf` adds the conversation (and live progress) to its file.
   */
  render(
    latest: (m: MessageView) => MessageView,
    attachmentOf: (m: MessageView) => MessageAttachment | null,
  ): ReactNode;
}

export function useMessageDialogs(): MessageDialogs {
  const [open, setOpen] = useState<Open>(null);
  const onForward = useCallback((message: MessageView) => setOpen({ kind: 'forward', message }), []);
  const onInfo = useCallback((message: MessageView) => setOpen({ kind: 'info', message }), []);
  const close = () => setOpen(null);
  return {
    onForward,
    onInfo,
    render: (latest, attachmentOf) =>
      open?.kind === 'forward' ? (
        <ForwardDialog message={open.message} attachment={attachmentOf(open.message)} onClose={close} />
      ) : open?.kind === 'info' ? (
        <MessageInfo message={latest(open.message)} onClose={close} />
      ) : null,
  };
}
