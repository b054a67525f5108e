/** Group messages in the messenger's search (docs/DESIGN.md §5.6): a found one as a view. */
import type { Ctx } from '../context/index.ts';
import type { MessageRecord } from '../ports/index.ts';
import type { MessageView } from '../views/index.ts';
import { loadGroup } from './store.ts';
import type { GroupViewTx } from './tx.ts';
import { groupMessageView } from './views.ts';

/** The message of group `m.conversationId` as the group shows it, with the group's name; undefined if no such group. */
export function groupHit(
  ctx: Ctx,
  tx: GroupViewTx,
  m: MessageRecord,
): { readonly name: string; readonly view: MessageView } | undefined {
  const g = loadGroup(ctx, tx, m.conversationId);
  return g ? { name: g.state.name, view: groupMessageView(ctx, tx, g, m) } : undefined;
}
