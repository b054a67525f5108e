/**
 * Which member each sender key's signing key is registered to, per group
 * (docs/GROUPS.md "Sender keys and rotation"). A distribution whose signing
 * key is already another member's is refused (`group-forged`): a key belongs
 * to exactly one member, and a post is attributed to that member only.
 *
 * The proof of possession in every distribution (crypto SPEC.md §12.1)
 * already keeps a member from registering a key whose secret they do not
 * hold; this check also refuses two members sharing one key. Key ids are not
 * checked: they are random u32 routing hints, two honest members' ids collide
 * (~10^-4 per change at 500 members), and a shared id misattributes nothing
 * (each candidate is verified in its own owner's context).
 *
 * Kept in memory per account: built from the stored receiver states once per
 * group and process, then updated as distributions are accepted. Scanning
 * every member's sealed keys for each distribution instead would cost ~10 ms
 * per distribution at 500 members, i.e. seconds per membership change. An
 * entry left by a transaction that rolled back, or by a member since removed,
 * can only refuse that same signing key for another member: a forgery anyway.
 */
import { decodeSenderKeyDistribution, KeyError, type SenderKeyReceiver } from '@parley/crypto';
import type { Account } from '../account/index.ts';
import { toHex } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { GroupsTx } from '../ports/index.ts';
import { GROUP_MAX_MEMBERS, senderKeyContext } from './codec.ts';
import {
  DEVICES_PER_MEMBER_MAX,
  loadOwnKey,
  loadReceivers,
  SENDER_KEYS_KEPT,
  type StoredGroup,
  selfId,
} from './store.ts';

/** Groups whose index is kept per account (the least recently used goes first). */
const GROUPS_KEPT = 16;
/**
 * Entries per group before its index is rebuilt from the store (keys of removed members pile up):
 * every device of every member (docs/MULTI-DEVICE.md "Groups"), twice over.
 */
const ENTRIES_MAX: number = 2 * SENDER_KEYS_KEPT * GROUP_MAX_MEMBERS * DEVICES_PER_MEMBER_MAX;

/** group id → hex(signing public key) → owner PeerId. */
const indexes = new WeakMap<Account, Map<string, Map<string, string>>>();

function indexOf(ctx: Ctx, tx: GroupsTx, g: StoredGroup): Map<string, string> {
  let groups = indexes.get(ctx.account);
  if (!groups) {
    groups = new Map();
    indexes.set(ctx.account, groups);
  }
  const id = g.state.id;
  let index = groups.get(id);
  groups.delete(id);
  if (!index || index.size > ENTRIES_MAX) {
    index = new Map();
    for (const m of g.state.members) {
      // (our own key is compared on its own; our row holds our other devices' keys)
      for (const { receiver } of loadReceivers(ctx, tx, id, m.peerId))
        index.set(toHex(receiver.signingPublic), m.peerId);
    }
  }
  groups.set(id, index);
  for (const key of groups.keys()) {
    if (groups.size <= GROUPS_KEPT) break;
    groups.delete(key);
  }
  return index;
}

/**
 * The member (or us) other than `claimant` to whom this signing key is
 * already registered in group `g`, or undefined.
 */
export function otherOwner(
  ctx: Ctx,
  tx: GroupsTx,
  g: StoredGroup,
  claimant: string,
  signingPublic: Uint8Array,
): string | undefined {
  const me = selfId(ctx);
  const own = loadOwnKey(ctx, tx, g.state.id);
  if (own && toHex(own.key.signingPublic) === toHex(signingPublic)) return me;
  const owner = indexOf(ctx, tx, g).get(toHex(signingPublic));
  return owner !== undefined && owner !== claimant ? owner : undefined;
}

/** Records that `owner`'s distribution with this signing key was accepted in group `g`. */
export function registerOwner(
  ctx: Ctx,
  tx: GroupsTx,
  g: StoredGroup,
  owner: string,
  signingPublic: Uint8Array,
): void {
  indexOf(ctx, tx, g).set(toHex(signingPublic), owner);
}

/**
 * A distribution that arrived on `from`'s pairwise session for group `g`,
 * checked: its proof of possession must verify in `from`'s context, and its
 * signing key must not be registered to anyone else. Returns the receiver
 * state, or why it is refused (report it as `group-forged`). A malformed
 * distribution throws FormatError (a bad message). Call {@link registerOwner}
 * once the receiver state is saved.
 */
export function checkDistribution(
  ctx: Ctx,
  tx: GroupsTx,
  g: StoredGroup,
  from: string,
  key: Uint8Array,
): SenderKeyReceiver | { readonly refused: string } {
  let receiver: SenderKeyReceiver;
  try {
    receiver = decodeSenderKeyDistribution(key, senderKeyContext(g.state.id, from), ctx.primitives);
  } catch (error) {
    if (!(error instanceof KeyError)) throw error;
    return { refused: 'is not theirs (its proof of possession names someone else)' };
  }
  if (otherOwner(ctx, tx, g, from, receiver.signingPublic) !== undefined)
    return { refused: 'is already registered to another member' };
  return receiver;
}
