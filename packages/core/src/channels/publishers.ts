/**
 * Appointed channel publishers (docs/CHANNELS.md "Publishers"): the owner
 * lists a publisher's Ed25519 key in a new descriptor revision, signed by the
 * channel key, and hands the key to the publisher through the pairwise
 * session; followers adopt a newer descriptor only if the same channel key
 * signed it. Inside-a-transaction helpers; owner.ts and descriptors.ts do the I/O.
 */
import { CoreError, fromBase64Url } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import type { ChannelsTx, ContactRecord } from '../ports/index.ts';
import {
  CHANNEL_MAX_EPOCHS_SENT,
  CHANNEL_MAX_PUBLISHERS,
  type ChannelDescriptor,
  encodeControl,
  equalBytes,
  openDescriptor,
  signDescriptor,
} from './codec.ts';
import { b64, type ChannelState, descriptorOf, saveChannel } from './store.ts';

/** The owner's record of who holds which publisher key (contact id → public key, base64url). */
export interface Appointment {
  readonly contact: string;
  readonly key: string;
}

export const appointmentsOf = (s: ChannelState): readonly Appointment[] => s.appointed ?? [];

/**
 * A signed descriptor we may adopt for `s`: the same channel (id, channel key,
 * owner, privacy) and a higher revision. Anything else: undefined.
 */
export function newerDescriptor(
  ctx: Ctx,
  s: ChannelState,
  signed: Uint8Array,
): ChannelDescriptor | undefined {
  let d: ChannelDescriptor;
  try {
    d = openDescriptor(ctx.primitives, signed);
  } catch {
    return undefined; // not a descriptor, or not signed by its own key
  }
  const known = descriptorOf(ctx, s);
  const same =
    d.id === s.id &&
    equalBytes(d.channelKey, known.channelKey) &&
    d.ownerPeerId === known.ownerPeerId &&
    d.isPrivate === known.isPrivate;
  return same && d.revision > known.revision ? d : undefined;
}

function resigned(ctx: Ctx, s: ChannelState, publishers: readonly Uint8Array[]): string {
  if (s.role !== 'owner' || s.secret === null)
    throw new CoreError('not-allowed', `only the owner of "${s.name}" can appoint publishers`);
  const d = descriptorOf(ctx, s);
  return b64(
    signDescriptor(ctx.primitives, { ...d, publishers, revision: d.revision + 1 }, fromBase64Url(s.secret)),
  );
}

/** Owner: appoint `contact`; returns the saved state and the control to send them. */
export function appoint(
  ctx: Ctx,
  tx: ChannelsTx,
  s: ChannelState,
  contact: ContactRecord,
): { readonly next: ChannelState; readonly payload: Uint8Array } {
  if (contact.state !== 'active')
    throw new CoreError('not-allowed', `${contact.name} has not confirmed your invite yet; try again later`);
  const appointed = appointmentsOf(s);
  if (appointed.some((a) => a.contact === contact.id))
    throw new CoreError('bad-input', `${contact.name} already publishes in "${s.name}"`);
  const d = descriptorOf(ctx, s);
  if (d.publishers.length >= CHANNEL_MAX_PUBLISHERS - 1)
    throw new CoreError(
      'bad-input',
      `a channel has at most ${CHANNEL_MAX_PUBLISHERS - 1} appointed publishers`,
    );
  // A fresh key per appointment; the owner keeps only its public half.
  const secret = ctx.random(32);
  const key = ctx.primitives.ed25519PublicKey(secret);
  const descriptor = resigned(ctx, s, [...d.publishers, key]);
  const next = { ...s, descriptor, appointed: [...appointed, { contact: contact.id, key: b64(key) }] };
  saveChannel(ctx, tx, next);
  const payload = encodeControl({
    t: 'publisher',
    channel: s.id,
    descriptor,
    secret: b64(secret),
    current: s.current,
    keys: d.isPrivate ? s.epochs.slice(-CHANNEL_MAX_EPOCHS_SENT) : [],
  });
  return { next, payload };
}

/** Owner: remove `contact`'s publisher key; returns the saved state and the control to send them. */
export function dismiss(
  ctx: Ctx,
  tx: ChannelsTx,
  s: ChannelState,
  contact: ContactRecord,
): { readonly next: ChannelState; readonly payload: Uint8Array } {
  const appointed = appointmentsOf(s);
  const gone = appointed.find((a) => a.contact === contact.id);
  if (!gone) throw new CoreError('bad-input', `${contact.name} does not publish in "${s.name}"`);
  const key = fromBase64Url(gone.key);
  const d = descriptorOf(ctx, s);
  const descriptor = resigned(
    ctx,
    s,
    d.publishers.filter((k) => !equalBytes(k, key)),
  );
  const next = { ...s, descriptor, appointed: appointed.filter((a) => a !== gone) };
  saveChannel(ctx, tx, next);
  return { next, payload: encodeControl({ t: 'publisher-removed', channel: s.id, descriptor }) };
}
