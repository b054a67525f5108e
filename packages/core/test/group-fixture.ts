/**
 * Members of a group as bare stores, without a network: each has an account,
 * a signed card, and contacts made from the others' cards. Tests hand group
 * controls and topic messages straight to the code under test, so they can
 * play a member who misbehaves (forwarding another member's key, re-issuing
 * a state after being removed, dating a picture in the future).
 */
import { decodeContactCard, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { encodeIdentityPublic } from '../src/account/account.ts';
import { toHex } from '../src/base/bytes.ts';
import { Emitter } from '../src/base/events.ts';
import { ownCard } from '../src/contacts/contacts.ts';
import type { Ctx, MessengerEvents } from '../src/context/context.ts';
import { applyGroupControl } from '../src/groups/apply.ts';
import { encodeGroupControl, type GroupControl, type GroupState } from '../src/groups/codec.ts';
import { activeGroup, loadGroup, type StoredGroup, saveGroup } from '../src/groups/store.ts';
import type { Effects, GroupEffects } from '../src/messaging/incoming.ts';
import type { ContactRecord, Store } from '../src/ports/store.ts';
import type { Transport } from '../src/ports/transport.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import type { GroupRole } from '../src/views/groups.ts';
import { createTestAccount, testPeerId } from '../testing/accounts.ts';

export interface Member {
  readonly name: string;
  readonly peerId: string;
  readonly store: Store;
  readonly ctx: Ctx;
  /** Our signed contact card. */
  readonly card: Uint8Array;
  /** `problem` events emitted outside a control's effects (e.g. by syncGroup). */
  readonly problems: Array<MessengerEvents['problem']>;
}

/** A member called `name` (PeerId testPeerId(name)); `clock` is its time source. */
export async function member(name: string, clock: () => number = Date.now): Promise<Member> {
  const store = createMemoryStore();
  const account = await createTestAccount(store, name, nodePrimitives);
  const events = new Emitter<MessengerEvents>();
  const problems: Member['problems'] = [];
  events.on('problem', (p) => problems.push(p));
  const ctx = {
    store,
    transport: { addresses: () => [] } as unknown as Transport,
    account,
    primitives: nodePrimitives,
    random: systemRandom,
    now: clock,
    events,
    limits: { attachmentMaxBytes: 1 << 20, autoDownloadMaxBytes: 1 << 20, groupTopicMinMembers: 3 },
    settings: { readReceipts: true },
  } as Ctx;
  const card = store.transaction((tx) => ownCard(ctx, tx, {}).card);
  return { name, peerId: testPeerId(name), store, ctx, card, problems };
}

/** One member per name, in order. */
export function members<const N extends readonly string[]>(...names: N): Promise<{ [K in keyof N]: Member }> {
  return Promise.all(names.map((n) => member(n))) as Promise<{ [K in keyof N]: Member }>;
}

/** `of` keeps `who` as an active contact, from `card` (default: who's own card). */
export function know(of: Member, who: Member, card: Uint8Array = who.card): ContactRecord {
  const decoded = decodeContactCard(card, nodePrimitives);
  const now = of.ctx.now();
  const contact: ContactRecord = {
    id: toHex(systemRandom(16)),
    peerId: who.peerId,
    name: who.name,
    identityKey: encodeIdentityPublic(decoded.identity),
    card,
    addresses: [],
    verified: false,
    state: 'active',
    pendingIdentityKey: null,
    createdAt: now,
    updatedAt: now,
  };
  of.store.transaction((tx) => {
    tx.putContact(contact);
    tx.putConversation({
      id: contact.id,
      kind: 'direct',
      disappearingMs: null,
      readUpTo: 0,
      markedUnread: false,
      createdAt: now,
    });
  });
  return contact;
}

export const GROUP_ID = 'ab'.repeat(16);

/** A state of GROUP_ID: [member, role] pairs in order; a secret makes it a topic (large) group. */
export function state(
  epoch: number,
  members: ReadonlyArray<readonly [Member, GroupRole]>,
  options: { name?: string; secret?: Uint8Array } = {},
): GroupState {
  const base = {
    id: GROUP_ID,
    name: options.name ?? 'crew',
    epoch,
    members: members.map(([m, role]) => ({ peerId: m.peerId, name: m.name, role, card: m.card })),
  };
  return options.secret ? { ...base, secret: options.secret } : base;
}

/** `m` holds `s` as its current, active view, issued by `author`. */
export function holds(m: Member, s: GroupState, author: Member, prev: StoredGroup['prev'] = []): void {
  m.store.transaction((tx) => saveGroup(m.ctx, tx, activeGroup(s, author.peerId, 1, prev)));
}

/** `to` receives `control` from `from` (through their pairwise session); returns its group effects. */
export function deliver(to: Member, from: Member, control: GroupControl): GroupEffects | undefined {
  const contact = to.store.transaction((tx) => tx.getContactByPeerId(from.peerId)) ?? know(to, from);
  const effects: Effects = { messages: [], downloads: [] };
  to.store.transaction((tx) => applyGroupControl(to.ctx, tx, contact, encodeGroupControl(control), effects));
  return effects.group;
}

/** `m`'s stored view of GROUP_ID. */
export const viewOf = (m: Member): StoredGroup | undefined =>
  m.store.transaction((tx) => loadGroup(m.ctx, tx, GROUP_ID));
