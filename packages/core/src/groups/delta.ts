/**
 * Membership changes as deltas (docs/GROUPS.md "Deltas", docs/PROTOCOL.md "Group control"): a
 * member who holds the state a change follows gets only what changed and the digest of the
 * result, not the whole state again. Pure functions; the sending is in send.ts, the checks on
 * receipt in apply.ts (a delta becomes a whole state there and goes through exactly the rules
 * of a `state`).
 */
import type { Account } from '../account/index.ts';
import type { Ctx } from '../context/index.ts';
import { type GroupDelta, type GroupMember, type GroupState, withoutSecret } from './codec.ts';
import { heldStateDigest, stateDigest } from './state-parts.ts';

type Sha256 = (data: Uint8Array) => Uint8Array;

const sameMember = (a: GroupMember, b: GroupMember): boolean =>
  a.name === b.name &&
  a.role === b.role &&
  a.card.length === b.card.length &&
  a.card.every((x, i) => x === b.card[i]);

/**
 * The delta from `prev` (as its members hold it) to `next`, for a member of `next`
 * (`member`: with the secret) or for one it removes (without). Undefined when `next` cannot
 * be told as a delta: its kept members are not in `prev`'s order.
 */
export function makeDelta(
  sha256: Sha256,
  prev: GroupState,
  next: GroupState,
  member: boolean,
): GroupDelta | undefined {
  const before = new Map(prev.members.map((m) => [m.peerId, m]));
  const after = new Set(next.members.map((m) => m.peerId));
  const kept = next.members.filter((m) => before.has(m.peerId));
  const add = next.members.filter((m) => !before.has(m.peerId));
  const copy = member ? next : withoutSecret(next);
  const delta: GroupDelta = {
    type: 'delta',
    id: next.id,
    epoch: next.epoch,
    base: heldStateDigest(sha256, prev),
    digest: stateDigest(sha256, copy),
    add,
    update: kept.filter((m) => !sameMember(m, before.get(m.peerId) as GroupMember)),
    remove: prev.members.filter((m) => !after.has(m.peerId)).map((m) => m.peerId),
    ...(next.name !== prev.name ? { name: next.name } : {}),
    ...(copy.secret ? { secret: copy.secret } : {}),
  };
  // Added members come last and kept ones keep their order: anything else goes whole.
  const rebuilt = deltaResult(prev, delta);
  return rebuilt?.members.every((m, i) => m.peerId === next.members[i]?.peerId) ? delta : undefined;
}

/**
 * The state `d` makes of `prev` (the caller has checked that `prev`'s digest is `d.base`), or
 * undefined if it names members `prev` does not have (or adds ones it has). The caller checks
 * the result's digest and every rule of a whole state.
 */
export function deltaResult(prev: GroupState, d: GroupDelta): GroupState | undefined {
  const has = new Set(prev.members.map((m) => m.peerId));
  if (d.add.some((m) => has.has(m.peerId))) return undefined;
  if ([...d.update.map((m) => m.peerId), ...d.remove].some((p) => !has.has(p))) return undefined;
  const updated = new Map(d.update.map((m) => [m.peerId, m]));
  const members = [
    ...prev.members.filter((m) => !d.remove.includes(m.peerId)).map((m) => updated.get(m.peerId) ?? m),
    ...d.add,
  ];
  const state: GroupState = { id: prev.id, name: d.name ?? prev.name, epoch: d.epoch, members };
  return d.secret ? { ...state, secret: d.secret } : state;
}

/** (group, peer) pairs whose `state-request` we answered, remembered per account (oldest dropped). */
export const STATE_REQUESTS_KEPT = 4096;
const answered = new WeakMap<Account, Map<string, number>>();

/**
 * Whether this is the first request from `peer` for this group's state at `epoch` since we
 * started: each peer is sent the whole state at most once per epoch (a restart forgets, which
 * costs at most one more copy).
 */
export function firstRequest(ctx: Ctx, groupId: string, peer: string, epoch: number): boolean {
  let seen = answered.get(ctx.account);
  if (!seen) {
    seen = new Map();
    answered.set(ctx.account, seen);
  }
  const key = `${groupId}:${peer}`;
  if ((seen.get(key) ?? 0) >= epoch) return false;
  seen.delete(key);
  seen.set(key, epoch);
  for (const k of seen.keys()) {
    if (seen.size <= STATE_REQUESTS_KEPT) break;
    seen.delete(k);
  }
  return true;
}
