/**
 * Sending to a group (docs/GROUPS.md "Sending"): an application message is
 * encrypted ONCE with our sender key and the same GROUP frame is queued in
 * the outbox for every other member, in the same transaction as the message
 * and the advanced sender key (D1, D6 per recipient).
 *
 * `syncGroup` brings what we owe the group up to date, derived from the
 * stored state only (so a crash at any point is repaired by the next call):
 * our sender key for the current epoch (rotated on every change), its
 * distribution to every member we have not sent it to, states we owe, and
 * removing members who announced they leave (first admin only).
 */
import { createSenderKey, senderKeyDistribution, senderKeyEncrypt } from '@parley/crypto';
import { CoreError, fromHex, InboundError, toHex } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { contactTargets, ownTargets } from '../devices/index.ts';
import { compose, indexBody, outgoingRecord, sendToOwnDevices } from '../messaging/index.ts';
import {
  type ContactsTx,
  type DevicesTx,
  FRAME_MAX_BYTES,
  type MessageRecord,
  type OutboxTx,
} from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
import type { StoredBody } from '../views/index.ts';
import {
  type AppBody,
  EPHEMERAL_KINDS,
  encodeAppMessage,
  encodeFrame,
  frameDigest,
  GROUP_ID_BYTES,
  newMessageId,
  VISIBLE_KINDS,
  validateBody,
} from '../wire/index.ts';
import {
  encodeGroupControl,
  GROUP_MESSAGE_KINDS,
  GROUP_PAIRWISE_MAX_MEMBERS,
  GROUP_SECRET_BYTES,
  GROUP_STATE_PAYLOAD_MAX_BYTES,
  type GroupDelta,
  type GroupState,
  senderKeyContext,
  withoutSecret,
} from './codec.ts';
import { makeDelta } from './delta.ts';
import { announceOwnKey } from './key-receive.ts';
import { memberSession } from './sessions.ts';
import { ownStatePayload, wholeStatePayload } from './state-fetch.ts';
import {
  isAdmin,
  loadOwnKey,
  memberOf,
  type OwnSenderKey,
  type StoredGroup,
  saveGroup,
  saveOwnKey,
  selfId,
} from './store.ts';
import { encodeTopicMessage, logMessage, topicOf } from './topic.ts';
import type { GroupSendTx, MemberSendTx } from './tx.ts';

export interface GroupComposed {
  readonly record: MessageRecord | null;
  readonly frame: Uint8Array;
  /** Large groups: publish `data` on `topic` after commit (nothing was queued per member). */
  readonly publish?: { readonly topic: string; readonly data: Uint8Array };
  /**
   * The devices it went to: every device of the other members, and our other devices that hold
   * our key (the outbox holds one entry per device for non-ephemeral kinds).
   */
  readonly recipients: readonly string[];
}

const others = (ctx: Ctx, g: StoredGroup): string[] =>
  g.state.members.map((m) => m.peerId).filter((p) => p !== selfId(ctx));

/**
 * The devices a member's copies go to (docs/MULTI-DEVICE.md "Groups"): each device of theirs in
 * the latest list we hold; for us, our other devices.
 */
export function devicesOf(ctx: Ctx, tx: ContactsTx & DevicesTx, member: string): string[] {
  if (member === selfId(ctx)) return ownTargets(ctx, tx).map((t) => t.peerId);
  const contact = tx.getContactByPeerId(member);
  return contact ? contactTargets(tx, contact).map((t) => t.peerId) : [member];
}

/** Our other devices, when we have any: they are told our group changes and get our messages. */
const ownDevices = (ctx: Ctx, tx: ContactsTx & DevicesTx): string[] =>
  ownTargets(ctx, tx).map((t) => t.peerId);

export function checkActive(g: StoredGroup): void {
  if (g.status !== 'active')
    throw new CoreError('not-allowed', `you are no longer a member of group "${g.state.name}"`);
}

/** Encrypts `body` once for the group and queues it for every other member. Inside `tx`. */
export function composeGroup(
  ctx: Ctx,
  tx: GroupSendTx,
  g: StoredGroup,
  body: AppBody,
  stored?: StoredBody,
): GroupComposed & { readonly kicks: readonly string[] } {
  checkActive(g);
  if (!GROUP_MESSAGE_KINDS.has(body.kind))
    throw new CoreError('not-allowed', `a ${body.kind} message cannot be sent to a group`);
  try {
    validateBody(body);
  } catch (error) {
    if (error instanceof InboundError) throw new CoreError('bad-input', error.message);
    throw error;
  }
  const kicks = syncGroup(ctx, tx, g); // our key goes out before the first message that uses it
  const own = loadOwnKey(ctx, tx, g.state.id) as OwnSenderKey;
  const id = newMessageId(ctx);
  const visible = VISIBLE_KINDS.has(body.kind);
  const seq = visible ? tx.maxSenderSeq(g.state.id, 'self') + 1 : 0;
  const sentAt = ctx.now();
  const plaintext = encodeAppMessage({ id, seq, sentAt, body });
  const me = selfId(ctx);
  const { state, message } = senderKeyEncrypt(
    own.key,
    plaintext,
    senderKeyContext(g.state.id, me),
    ctx.primitives,
  );
  const frame = encodeFrame({ type: 'group', groupId: g.state.id, message });
  if (frame.length > FRAME_MAX_BYTES)
    throw new CoreError('message-too-large', `the message is too large to send (${frame.length} bytes)`);
  const digest = frameDigest(frame, ctx.primitives.sha256);
  let record: MessageRecord | null = null;
  const shown = stored ?? (body.kind === 'text' ? textBody(body) : undefined);
  if (visible && shown) {
    const key = { conversationId: g.state.id, sender: 'self', id };
    record = outgoingRecord(ctx, tx, { key, seq, kind: body.kind, stored: shown, sentAt, ttl: null });
    if (tx.insertMessage(record) === 'inserted') indexBody(tx, key, shown, sentAt);
  }
  const topic = topicOf(ctx, g);
  const recipients = topic
    ? others(ctx, g)
    : [
        ...others(ctx, g).flatMap((p) => devicesOf(ctx, tx, p)),
        ...ownDevices(ctx, tx).filter((d) => own.sentTo.includes(d)),
      ];
  if (topic) {
    // Large group: one publish instead of one frame per member; our log answers catch-up (durability).
    if (body.kind === 'typing') throw new CoreError('not-allowed', 'typing is not sent to large groups');
    logMessage(ctx, tx, g.state.id, me, message);
    saveOwnKey(ctx, tx, g.state.id, { ...own, key: state });
    return { record, frame, recipients, kicks, publish: { topic, data: encodeTopicMessage(message) } };
  }
  if (!EPHEMERAL_KINDS.has(body.kind)) {
    for (const peerId of recipients) {
      tx.enqueueOutbox({
        peerId,
        kind: 'msg',
        frame,
        digest,
        message: record ? { conversationId: g.state.id, sender: 'self', id } : null,
        createdAt: sentAt,
        attempts: 0,
        nextAttemptAt: sentAt,
        lastError: null,
      });
    }
  }
  saveOwnKey(ctx, tx, g.state.id, { ...own, key: state });
  return { record, frame, recipients, kicks: [...new Set([...kicks, ...recipients])] };
}

const textBody = (body: Extract<AppBody, { kind: 'text' }>): StoredBody =>
  body.replyTo ? { text: body.text, replyTo: body.replyTo } : { text: body.text };

/** A pairwise MSG to a member, if we have (or may start) a session; false = later. */
export function sendControl(
  ctx: Ctx,
  tx: MemberSendTx,
  g: StoredGroup,
  peerId: string,
  payload: Uint8Array,
): boolean {
  return controlTo(ctx, tx, g, peerId, payload).length > 0;
}

/**
 * A pairwise MSG to each device of a member (to us: to our other devices); the devices it was
 * queued for, none if we have no session with them yet (later).
 */
export function controlTo(
  ctx: Ctx,
  tx: MemberSendTx,
  g: StoredGroup,
  peerId: string,
  payload: Uint8Array,
): string[] {
  if (peerId === selfId(ctx)) {
    const sessions = new SessionBatch(tx, ctx.account.vault);
    const sent = sendToOwnDevices(ctx, tx, sessions, { kind: 'group', payload });
    sessions.save();
    return sent;
  }
  const contact = tx.getContactByPeerId(peerId);
  if (!contact || !memberSession(ctx, tx, g, contact)) return [];
  try {
    return compose(ctx, tx, contact, { kind: 'group', payload }).frames.map((f) => f.peerId);
  } catch (error) {
    if (error instanceof CoreError) return []; // e.g. a verified contact's key changed: wait for the user
    throw error;
  }
}

/**
 * Sends the whole state to each peer; returns those it could not reach yet (owed). A peer the
 * state does not name (being removed) gets it without the secret. A state too large for one
 * payload goes by reference: the peer fetches it from us (groups/state-fetch.ts).
 */
export function sendState(ctx: Ctx, tx: MemberSendTx, g: StoredGroup, peers: readonly string[]): string[] {
  return peers.filter(
    (p) => !sendControl(ctx, tx, g, p, wholeStatePayload(ctx, g.state, memberOf(g, p) !== undefined)),
  );
}

/** Announces that we leave (a member; an admin leaves with a new state instead). */
export function sendLeave(ctx: Ctx, tx: MemberSendTx, g: StoredGroup, peers: readonly string[]): void {
  const payload = encodeGroupControl({ type: 'leave', id: g.state.id, epoch: g.state.epoch });
  for (const p of peers) sendControl(ctx, tx, g, p, payload);
}

/** See the file comment. Returns the peers whose outbox got something. */
export function syncGroup(ctx: Ctx, tx: GroupSendTx, start: StoredGroup): string[] {
  let g = start;
  const me = selfId(ctx);
  const kicks: string[] = [];
  if (g.wants && !g.wants.sent && g.wants.epoch > g.state.epoch) {
    // A delta did not follow our state: ask its admin for the whole state (once).
    const ask = encodeGroupControl({ type: 'state-request', id: g.state.id, epoch: g.wants.epoch });
    if (sendControl(ctx, tx, g, g.wants.from, ask)) {
      g = { ...g, wants: { ...g.wants, sent: true } };
      saveGroup(ctx, tx, g);
      kicks.push(g.wants?.from as string);
    }
  }
  if (g.status !== 'active') return [...kicks, ...flushOwed(ctx, tx, g).kicks];
  const leavers = g.leaving.filter((p) => memberOf(g, p));
  const firstAdmin = g.state.members
    .filter((m) => m.role === 'admin' && !leavers.includes(m.peerId))
    .map((m) => m.peerId)
    .sort()[0];
  if (leavers.length > 0 && firstAdmin === me) {
    const next = withMembers(g.state, (ms) => ms.filter((m) => !leavers.includes(m.peerId)));
    g = changeState(ctx, tx, g, next, leavers);
    kicks.push(...others(ctx, g), ...leavers);
  }
  const flushed = flushOwed(ctx, tx, g);
  g = flushed.g;
  kicks.push(...flushed.kicks);
  const stored = loadOwnKey(ctx, tx, g.state.id);
  let dirty = !stored || stored.epoch !== g.state.epoch;
  // Every change of epoch gets a new sender key: removed members cannot read on, new ones cannot read back.
  let own: OwnSenderKey =
    stored && !dirty
      ? stored
      : { epoch: g.state.epoch, key: createSenderKey(ctx.random, ctx.primitives), sentTo: [] };
  if (topicOf(ctx, g)) {
    // Our other devices hold the group as we do (the state, once per device and epoch); they take
    // our key from the announcement like every member, and we theirs (groups/key-receive.ts).
    const mine = ownDevices(ctx, tx).filter((d) => !own.sentTo.includes(d));
    if (mine.length > 0) {
      // (by reference when too large for one control: they fetch it from us)
      const told = controlTo(ctx, tx, g, me, ownStatePayload(ctx, g.state, g.author));
      if (told.length > 0) {
        own = { ...own, sentTo: [...new Set([...own.sentTo, ...told])] };
        dirty = true;
        kicks.push(...told);
      }
    }
    // Large group: one announcement on the epoch's topic instead of a control per member (O(n²)
    // per change); topics.ts publishes it, members who miss it fetch it (groups/key-receive.ts).
    const announced = announceOwnKey(ctx, g, own);
    dirty ||= announced !== own;
    own = announced;
  } else {
    // Per device (docs/MULTI-DEVICE.md "Groups"): a member's device that has not got our key yet
    // (a device they linked since) gets it. Our other devices: the state we hold first, in one
    // control, or by reference when it is too large for one (they fetch it from us).
    const mine = ownDevices(ctx, tx).filter((d) => !own.sentTo.includes(d));
    const ownState = mine.length > 0 ? ownStatePayload(ctx, g.state, g.author) : undefined;
    const pending = [...others(ctx, g), ...(ownState ? [me] : [])].filter((p) =>
      devicesOf(ctx, tx, p).some((d) => !own.sentTo.includes(d)),
    );
    if (ownState && pending.includes(me)) controlTo(ctx, tx, g, me, ownState);
    if (pending.length > 0) {
      const payload = encodeGroupControl({
        type: 'sender-key',
        id: g.state.id,
        epoch: g.state.epoch,
        key: senderKeyDistribution(own.key, senderKeyContext(g.state.id, me), ctx.primitives),
      });
      const sent = pending.flatMap((p) => controlTo(ctx, tx, g, p, payload));
      if (sent.length > 0) {
        own = { ...own, sentTo: [...new Set([...own.sentTo, ...sent])] };
        dirty = true;
        kicks.push(...sent);
      }
    }
  }
  if (dirty) saveOwnKey(ctx, tx, g.state.id, own);
  return kicks;
}

/** Sends the group's picture (if it has one) to these members. */
export function sendPicture(ctx: Ctx, tx: MemberSendTx, g: StoredGroup, peers: readonly string[]): string[] {
  if (!g.picture || peers.length === 0) return [];
  const { at, type, data } = g.picture;
  const payload = encodeGroupControl({
    type: 'picture',
    id: g.state.id,
    epoch: g.state.epoch,
    at,
    picture: { type, data },
  });
  return peers.filter((p) => sendControl(ctx, tx, g, p, payload));
}

/**
 * Most time one transaction spends sending a change (whole states and deltas) before it stops and
 * leaves the rest to the next one (the daemon keeps serving other conversations in between;
 * GroupLocal `drain`). One peer's copy is never split, so a transaction stays under ~100 ms.
 */
export const GROUP_CHANGE_BATCH_MS = 50;

/**
 * Sends what we owe, a batch at a time: whole states (`owed`: new members, peers that asked, peers
 * we had no session with) and our change as a delta (`change.to`). A peer we cannot reach yet
 * (no session) stays owed and goes to the back of its list.
 */
function flushOwed(ctx: Ctx, tx: GroupSendTx, g: StoredGroup): { g: StoredGroup; kicks: string[] } {
  if (g.owed.length === 0 && !g.change) return { g, kicks: [] };
  const started = performance.now();
  const budget = ctx.limits.groupChangeBatchMs ?? GROUP_CHANGE_BATCH_MS; // (test contexts may leave it out)
  const spent = (): boolean => performance.now() - started > budget;
  const whole = inBatch(g.owed, (p) => sendState(ctx, tx, g, [p]).length === 0, spent);
  const owed = whole.left;
  const kicks = [...whole.sent];
  sendPicture(
    ctx,
    tx,
    g,
    whole.sent.filter((p) => memberOf(g, p)),
  );
  let change = g.change;
  if (change) {
    const { member, removed } = change;
    const deltas = inBatch(
      change.to,
      (p) => sendControl(ctx, tx, g, p, memberOf(g, p) ? member : (removed ?? member)),
      spent,
    );
    kicks.push(...deltas.sent);
    change = deltas.left.length > 0 ? { ...change, to: deltas.left } : undefined;
  }
  if (kicks.length === 0 && owed.length === g.owed.length && change?.to.length === g.change?.to.length)
    return { g, kicks };
  const { change: _old, ...rest } = g;
  const next: StoredGroup = change ? { ...rest, owed, change } : { ...rest, owed };
  saveGroup(ctx, tx, next);
  return { g: next, kicks };
}

/**
 * Tries `send` on each peer until the batch's time is spent: who got it, and who is still owed —
 * those not tried yet first, then those we could not reach (so the next batch tries others first).
 */
function inBatch(
  peers: readonly string[],
  send: (peer: string) => boolean,
  spent: () => boolean,
): { sent: string[]; left: string[] } {
  const sent: string[] = [];
  const unreachable: string[] = [];
  for (const [i, p] of peers.entries()) {
    if (spent()) return { sent, left: [...peers.slice(i), ...unreachable] };
    (send(p) ? sent : unreachable).push(p);
  }
  return { sent, left: unreachable };
}

export function withMembers(
  s: GroupState,
  fn: (members: GroupState['members']) => GroupState['members'],
  name: string = s.name,
): GroupState {
  let members = fn(s.members);
  // A group never lacks an admin: if the last one goes, the longest-standing member is promoted.
  if (members.length > 0 && !members.some((m) => m.role === 'admin'))
    members = [{ ...(members[0] as GroupState['members'][number]), role: 'admin' }, ...members.slice(1)];
  return { id: s.id, name, epoch: s.epoch + 1, members }; // changeState adds the new secret
}

/**
 * Our own change (we are an admin): store epoch e+1 and what it owes: the whole state to new
 * members (and to peers that were still owed an earlier one), a delta to everyone who holds
 * epoch e (docs/GROUPS.md "Deltas"), removed members included (without the secret). Nothing is
 * sent here: `flushOwed` sends in batches (the first in this same transaction, via syncGroup).
 */
export function changeState(
  ctx: Ctx,
  tx: GroupSendTx,
  g: StoredGroup,
  nextState: GroupState,
  removed: readonly string[] = [],
): StoredGroup {
  let next = nextState;
  const me = selfId(ctx);
  if (!isAdmin(g, me)) throw new CoreError('not-allowed', `only an admin of "${g.state.name}" can do that`);
  next = withSecret(ctx, next); // a large group: every epoch gets a new topic
  const stillIn = next.members.some((m) => m.peerId === me);
  for (const p of removed) {
    tx.deleteSenderKey(next.id, p);
    tx.deleteGroupLog(next.id, p);
    tx.deleteReadMarks(next.id, p);
  }
  const peers = [...new Set([...next.members.map((m) => m.peerId), ...removed])].filter((p) => p !== me);
  // Who holds epoch e exactly as we do: its members, unless still owed it (whole or as a delta).
  const behind = new Set([...g.owed, ...(g.change?.to ?? [])]);
  const holds = (p: string): boolean => memberOf(g, p) !== undefined && !behind.has(p);
  const sha = ctx.primitives.sha256;
  const member = deltaFor(makeDelta(sha, g.state, next, true));
  const removedCopy = removed.length > 0 ? deltaFor(makeDelta(sha, g.state, next, false)) : undefined;
  const inNext = new Set(next.members.map((m) => m.peerId));
  const asDelta = new Set(member ? peers.filter((p) => holds(p) && (inNext.has(p) || removedCopy)) : []);
  const whole = peers.filter((p) => !asDelta.has(p));
  const stored: StoredGroup = {
    state: next,
    author: me,
    prev: g.state.members.map((m) => ({ peerId: m.peerId, role: m.role })),
    status: stillIn ? 'active' : 'left',
    owed: whole,
    ...(member && asDelta.size > 0
      ? { change: { to: [...asDelta], member, ...(removedCopy ? { removed: removedCopy } : {}) } }
      : {}),
    leaving: g.leaving.filter((p) => next.members.some((m) => m.peerId === p)),
    createdAt: g.createdAt,
    ...(g.picture ? { picture: g.picture } : {}),
  };
  saveGroup(ctx, tx, stored);
  if (!stillIn) {
    for (const m of g.state.members) tx.deleteSenderKey(next.id, m.peerId);
    tx.deleteGroupLog(next.id);
  }
  return stored;
}

/** A delta's payload, or undefined when it is too large for one payload (sent whole instead). */
function deltaFor(d: GroupDelta | undefined): Uint8Array | undefined {
  if (!d) return undefined;
  const payload = encodeGroupControl(d);
  return payload.length <= GROUP_STATE_PAYLOAD_MAX_BYTES ? payload : undefined;
}

/**
 * The mode is the issuing admin's decision, carried in the state so every member agrees: a
 * state with at least `groupTopicMinMembers` members (and always one with more than
 * GROUP_PAIRWISE_MAX_MEMBERS) gets a fresh group secret (gossipsub topic); a smaller one none
 * (pairwise fan-out).
 */
export function withSecret(ctx: Ctx, s: GroupState): GroupState {
  const bare = withoutSecret(s);
  const min = Math.min(ctx.limits.groupTopicMinMembers, GROUP_PAIRWISE_MAX_MEMBERS + 1);
  return s.members.length >= min ? { ...bare, secret: ctx.random(GROUP_SECRET_BYTES) } : bare;
}

/** Drops our queued GROUP frames of this group (we left or were removed), to every member's device. */
export function dropGroupOutbox(ctx: Ctx, tx: OutboxTx & ContactsTx & DevicesTx, g: StoredGroup): void {
  const id = fromHex(g.state.id);
  const peers = g.state.members.flatMap((m) => [m.peerId, ...devicesOf(ctx, tx, m.peerId)]);
  for (const peer of new Set(peers)) {
    for (const e of tx.listOutbox(peer)) {
      if (e.frame[1] === 4 && e.frame.length > 2 + GROUP_ID_BYTES && sameId(e.frame.subarray(2, 18), id))
        tx.deleteOutbox(e.seq);
    }
  }
}

const sameId = (a: Uint8Array, b: Uint8Array): boolean => toHex(a) === toHex(b);
