/**
 * Desktop notifications for incoming messages, raised only while the window is hidden (a
 * visible window shows the message itself). Clicking one brings the window forward and opens
 * the message's conversation, as in Signal Desktop.
 */
import { summary } from '../attachments.ts';
import { preview } from '../format.ts';
import type { MessageView } from '../types.ts';

/** Characters of the message shown in a notification. */
const NOTIFICATION_BODY_MAX_CHARS = 120;

/** Notifies of `m` if the window is hidden and notifications are allowed; `onOpen` when it is clicked. */
export function notifyMessage(m: MessageView, onOpen: () => void): void {
  if (!document.hidden || typeof Notification === 'undefined' || Notification.permission !== 'granted')
    return;
  const n = new Notification(m.from, {
    body: preview(summary(m), NOTIFICATION_BODY_MAX_CHARS),
    // One per conversation: a newer message replaces the older one's notification.
    tag: `parley:${m.contact}`,
    silent: false,
  });
  n.onclick = () => {
    window.focus();
    onOpen();
    n.close();
  };
}
