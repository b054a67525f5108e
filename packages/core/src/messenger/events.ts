/** The messenger's event emitter. */

import { Emitter } from '../base/index.ts';
import type { MessengerEvents } from '../context/index.ts';
import { isHiddenView } from '../messaging/index.ts';

/**
 * Never tells a view of a message no longer shown here (disappeared, or deleted for me): a receipt,
 * an edit or a reaction that reaches its tombstone later must not bring it back on screen.
 */
export class MessengerEmitter extends Emitter<MessengerEvents> {
  override emit<K extends keyof MessengerEvents>(type: K, event: MessengerEvents[K]): void {
    if (type === 'message' && isHiddenView(event as MessengerEvents['message'])) return;
    super.emit(type, event);
  }
}
