/**
 * Sender-key announcements inside a store transaction (docs/GROUPS.md "Sender
 * keys and rotation"; wire format: key-announce.ts): making ours once per
 * epoch, taking in another member's (from the topic or a catch-up answer),
 * what we still miss, and answering a member's catch-up query kind 0x05.
 *
 * An announcement is accepted only if it opens with the CURRENT epoch's key
 * (a removed member has only older secrets), names a current member other
 * than us, is signed by the identity key of that member's card in the state,
 * and its distribution passes exactly the checks of a pairwise `sender-key`
 * (apply.ts `applySenderKey`: proof of possession in the owner's context, no
 * signing key registered to another member). Nothing here throws on hostile
 * input: every refusal is an outcome the caller counts.
 *
 * Several devices (docs/MULTI-DEVICE.md "Groups"): each device of a member has its own key. The
 * member's first device announces as above (0x02, signed by the account identity key, which its
 * card in the state names); any other device with 0x03, signed by its own device identity key,
 * accepted only while the member's latest device list we hold names that device with that key.
 * Our own other devices' announcements are taken the same way (they are us: their posts are ours).
 */
import { CryptoError, decodeContactCard, senderKeyDistribution } from '@parley/crypto';
import { equalBytes } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { type GroupsTx, QUERY_MAX_BYTES } from '../ports/index.ts';
import { GROUP_MAX_MEMBERS, type GroupMember, senderKeyContext } from './codec.ts';
import {
  encodeGroupKeysAnswer,
  type GroupKeysRequest,
  type KeyAnnouncement,
  openAnnouncement,
  sealAnnouncement,
  verifyAnnouncement,
} from './key-announce.ts';
import { checkDistribution, registerOwner } from './key-owners.ts';
import {
  type DevicesReadTx,
  deviceSigningKey,
  isMemberDevice,
  memberDevices,
  memberOfDevice,
} from './member-devices.ts';
import {
  loadOwnKey,
  loadReceivers,
  memberOf,
  type OwnSenderKey,
  type StoredGroup,
  saveReceivers,
  selfId,
} from './store.ts';

export type KeyAnnounceOutcome =
  /** A key we did not hold: messages that waited for it can now be fetched. */
  | { readonly result: 'fresh'; readonly owner: string }
  /** The key we hold already (its receiver state, possibly advanced, is kept). */
  | { readonly result: 'duplicate' }
  | { readonly result: 'rejected'; readonly why: KeyAnnounceRefusal };

export type KeyAnnounceRefusal =
  /** Not a large group we are active in. */
  | 'no-group'
  /** Does not open with the current epoch's key: another epoch, group or secret, or malformed. */
  | 'unreadable'
  /** Names us (this device), or someone who is not a current member. */
  | 'not-a-member'
  /** Names a device the member's latest device list we hold does not name (removed, or not yet seen). */
  | 'not-a-device'
  /** The member's identity key did not sign it (or their card does not verify). */
  | 'bad-signature'
  /** Signed by the member, but the key is not theirs (proof of possession) or is someone else's. */
  | 'forged';

const refused = (why: KeyAnnounceRefusal): KeyAnnounceOutcome => ({ result: 'rejected', why });

/**
 * Our key's announcement for the current epoch, made once (it is sealed at
 * rest with the key and published as is by topics.ts). Returns `own`
 * unchanged when it already has a valid one. A competing state of the same
 * epoch carries another secret: then the announcement is made again (the
 * distribution at the key's current iteration).
 */
export function announceOwnKey(ctx: Ctx, g: StoredGroup, own: OwnSenderKey): OwnSenderKey {
  const me = selfId(ctx);
  const everyone = g.state.members.map((m) => m.peerId).filter((p) => p !== me);
  const sent = new Set(own.sentTo);
  const valid = own.announce !== undefined && openAnnouncement(ctx.primitives, g.state, own.announce);
  if (valid && everyone.every((p) => sent.has(p))) return own;
  // A linked device signs with its own identity key (0x03), which our device list names.
  const device = ctx.account.info.peerId === me ? undefined : ctx.account.info.peerId;
  const announce =
    valid && own.announce
      ? own.announce
      : sealAnnouncement(
          ctx.primitives,
          ctx.random,
          g.state,
          me,
          senderKeyDistribution(own.key, senderKeyContext(g.state.id, me), ctx.primitives),
          ctx.account.identity.signingSecret,
          device,
        );
  // Every member of the epoch can have it (from the topic or by catch-up): `keySent` for all. Our
  // other devices told the state (send.ts) stay in `sentTo`.
  return {
    ...own,
    announce,
    sentTo: [...new Set([...everyone, ...own.sentTo.filter((p) => p === me || !memberOf(g, p))])],
  };
}

/**
 * Identity keys of the cards of cached states (loadGroup keeps decoded states, so the same card
 * object comes again): a card is verified once, not once per announcement (1 000 per change).
 */
const identities = new WeakMap<Uint8Array, { readonly peerId: string; readonly key?: Uint8Array }>();

/** The member's identity signing key, from the card the state carries (verified), or undefined. */
function identityKey(ctx: Ctx, m: GroupMember): Uint8Array | undefined {
  const hit = identities.get(m.card);
  if (hit?.peerId === m.peerId) return hit.key;
  const key = cardIdentity(ctx, m);
  identities.set(m.card, key ? { peerId: m.peerId, key } : { peerId: m.peerId });
  return key;
}

function cardIdentity(ctx: Ctx, m: GroupMember): Uint8Array | undefined {
  try {
    const card = decodeContactCard(m.card, ctx.primitives);
    return card.peerId === m.peerId ? card.identity.signingKey : undefined;
  } catch (error) {
    if (error instanceof CryptoError) return undefined; // the state's cards were checked: not expected
    throw error;
  }
}

/**
 * The key that must have signed `a` (the member's card's identity key for their first device,
 * the device's listed key for another), or why there is none.
 */
function signerOf(
  ctx: Ctx,
  tx: DevicesReadTx,
  g: StoredGroup,
  a: KeyAnnouncement,
): Uint8Array | KeyAnnounceRefusal {
  const device = a.device ?? a.owner;
  const member = device === ctx.account.info.peerId ? undefined : memberOf(g, a.owner);
  if (!member) return 'not-a-member';
  // The list we hold decides: a device that left it (or is not in it yet) is nobody's.
  if (!isMemberDevice(ctx, tx, a.owner, device)) return 'not-a-device';
  const key = a.device === undefined ? identityKey(ctx, member) : deviceSigningKey(ctx, tx, a.owner, device);
  return key ?? 'bad-signature';
}

/** Takes in a member's announcement for group `g`, inside `tx`; see the file comment. */
export function ingestAnnouncement(
  ctx: Ctx,
  tx: GroupsTx & DevicesReadTx,
  g: StoredGroup,
  bytes: Uint8Array,
): KeyAnnounceOutcome {
  if (g.status !== 'active' || !g.state.secret) return refused('no-group');
  const a = openAnnouncement(ctx.primitives, g.state, bytes);
  if (!a) return refused('unreadable');
  const signer = signerOf(ctx, tx, g, a);
  if (!(signer instanceof Uint8Array)) return refused(signer);
  if (!verifyAnnouncement(ctx.primitives, g.state, a, signer)) return refused('bad-signature');
  const device = a.device ?? a.owner;
  const ofDevice = (k: { device?: string }): boolean => (k.device ?? a.owner) === device;
  let receiver: ReturnType<typeof checkDistribution>;
  try {
    receiver = checkDistribution(ctx, tx, g, a.owner, a.distribution);
  } catch (error) {
    if (error instanceof CryptoError) return refused('forged'); // a malformed distribution
    throw error;
  }
  if ('refused' in receiver) return refused('forged');
  const epoch = g.state.epoch;
  // Keys of devices the member's list no longer names are dropped on the way (bounded by the list).
  const keys = loadReceivers(ctx, tx, g.state.id, a.owner).filter((k) =>
    isMemberDevice(ctx, tx, a.owner, k.device ?? a.owner),
  );
  const same = keys.find((k) => k.epoch === epoch && ofDevice(k));
  if (same && same.receiver.keyId === receiver.keyId) {
    // A repeat keeps the advanced state; the newest announcement is kept to serve (a competing
    // state of the same epoch has another secret, so the older one no longer opens for others).
    if (!same.announce || !equalBytes(same.announce, bytes))
      saveReceivers(ctx, tx, g.state.id, a.owner, [
        ...keys.filter((k) => k !== same),
        { ...same, announce: bytes.slice() },
      ]);
    return { result: 'duplicate' };
  }
  saveReceivers(ctx, tx, g.state.id, a.owner, [
    ...keys.filter((k) => k.epoch !== epoch || !ofDevice(k)),
    { epoch, receiver, announce: bytes.slice(), ...(device !== a.owner ? { device } : {}) },
  ]);
  registerOwner(ctx, tx, g, a.owner, receiver.signingPublic);
  return { result: 'fresh', owner: a.owner };
}

/**
 * Indices (into the current member list) of the members of whose devices (by the lists we hold;
 * us included, for our other devices) we lack a key for this epoch.
 */
export function missingKeys(ctx: Ctx, tx: GroupsTx & DevicesReadTx, g: StoredGroup): number[] {
  const out: number[] = [];
  g.state.members.forEach((m, i) => {
    const held = new Set(
      loadReceivers(ctx, tx, g.state.id, m.peerId)
        .filter((k) => k.epoch === g.state.epoch)
        .map((k) => k.device ?? m.peerId),
    );
    const devices = memberDevices(ctx, tx, m.peerId).filter((d) => d !== ctx.account.info.peerId);
    if (devices.some((d) => !held.has(d))) out.push(i);
  });
  return out;
}

/**
 * Answers a member's key catch-up request from the announcements we hold
 * (ours and others', every device's), for our current epoch only; undefined =
 * refuse. Like answerGroupSync: anyone but a current member's device learns nothing.
 */
export function answerGroupKeys(
  ctx: Ctx,
  tx: GroupsTx & DevicesReadTx,
  g: StoredGroup | undefined,
  peer: string,
  req: GroupKeysRequest,
): Uint8Array | undefined {
  if (g?.status !== 'active' || !g.state.secret || peer === ctx.account.info.peerId) return undefined;
  if (memberOfDevice(ctx, tx, g, peer) === undefined) return undefined;
  if (req.epoch !== g.state.epoch) return encodeGroupKeysAnswer([]); // they (or we) are behind
  const me = selfId(ctx);
  const out: Uint8Array[] = [];
  let bytes = 4;
  for (const i of new Set(req.members)) {
    const m = g.state.members[i];
    if (!m) continue;
    const mine = m.peerId === me ? [ownAnnouncement(ctx, tx, g)] : [];
    for (const announce of [...mine, ...held(ctx, tx, g, m.peerId)]) {
      if (!announce) continue;
      // The rest on their next page (they ask again for the members still missing).
      if (bytes + 2 + announce.length > QUERY_MAX_BYTES || out.length >= GROUP_MAX_MEMBERS)
        return encodeGroupKeysAnswer(out);
      out.push(announce);
      bytes += 2 + announce.length;
    }
  }
  return encodeGroupKeysAnswer(out);
}

/** Our stored announcement for the current epoch (topics.ts publishes it), or undefined. */
export function ownAnnouncement(ctx: Ctx, tx: GroupsTx, g: StoredGroup): Uint8Array | undefined {
  const own = loadOwnKey(ctx, tx, g.state.id);
  return own?.epoch === g.state.epoch ? own.announce : undefined;
}

/** The announcements we hold of a member's devices (ours: our other devices') for the current epoch. */
const held = (ctx: Ctx, tx: GroupsTx, g: StoredGroup, peer: string): Uint8Array[] =>
  loadReceivers(ctx, tx, g.state.id, peer).flatMap((k) =>
    k.epoch === g.state.epoch && k.announce ? [k.announce] : [],
  );
