/**
 * How a new device reaches a device of the account to link (docs/PROTOCOL.md "Linking a device"):
 * the one-time link shown as text or QR, and two requests on `/parley/query/1.0.0` (libp2p's Noise
 * authenticates both PeerIds; the grant is sealed under the link secret besides, link.ts).
 *
 *   link    = "parley://device/" base64url( 0x01 ‖ u8 n ‖ PeerId (n bytes, UTF-8) ‖ u8 count (≤ 8)
 *             ‖ count × (u16 n ‖ multiaddr) ‖ L (32) ‖ expiresAt u64 ms )
 *   request = 0x01 ‖ 0x20 ‖ u16 n ‖ card (the new device's) ‖ proof (32)
 *   fetch   = 0x01 ‖ 0x21 ‖ proof (32) ‖ offset u32
 *             proof = HMAC-SHA256(L, "Parley_LinkRequest_v1" ‖ card)
 *   answer  = 0x01 ‖ status u8 ‖ (status 0: total u32 ‖ offset u32 ‖ part of the sealed grant)
 *             status 1 refused (no such link, expired, used by another device: one answer for all),
 *             2 full (the account has 8 devices)
 *
 * The device that showed the link approves the first request that proves `L` (its grant kept for
 * the rest of the link's life, so a new device killed mid-transfer resumes with the same card);
 * any other card is refused. Parts are at most LINK_PART_BYTES.
 */
import {
  CoreError,
  concat,
  equalBytes,
  fromBase64Url,
  Reader,
  toBase64Url,
  utf8,
  utf8Text,
  Writer,
} from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import { QUERY_MAX_BYTES, type Transport } from '../ports/index.ts';
import { DEVICE_CARD_MAX_BYTES } from './codec.ts';
import { LINK_GRANT_MAX_BYTES, LINK_SECRET_BYTES, LINK_TTL_MS } from './link.ts';

export const DEVICE_LINK_SCHEME = 'parley://device/';
const VERSION = 0x01;
const KIND_REQUEST = 0x20;
const KIND_FETCH = 0x21;
const STATUS = { ok: 0, refused: 1, full: 2 } as const;
/** Bytes of the grant per answer (well under QUERY_MAX_BYTES). */
export const LINK_PART_BYTES: number = Math.min(512 * 1024, QUERY_MAX_BYTES - 64);
/** Links open at once on one device. */
export const LINK_OFFERS_MAX = 4;
const MAX_ADDRESSES = 8;
const PROOF_DOMAIN = utf8('Parley_LinkRequest_v1');

/** What a link carries. */
export interface DeviceLinkOffer {
  readonly peerId: string;
  readonly addresses: readonly string[];
  readonly secret: Uint8Array;
  readonly expiresAt: number;
}

export function encodeDeviceLink(o: DeviceLinkOffer): string {
  const peer = utf8(o.peerId);
  const w = new Writer().u8(VERSION).u8(peer.length).bytes(peer);
  const addresses = o.addresses.slice(0, MAX_ADDRESSES);
  w.u8(addresses.length);
  for (const a of addresses) w.short(utf8(a));
  return DEVICE_LINK_SCHEME + toBase64Url(w.bytes(o.secret).u64(o.expiresAt).done());
}

/** Reads a link; CoreError('bad-link') if it is not one, ('link-expired') if it is too old. */
export function decodeDeviceLink(link: string, now: number): DeviceLinkOffer {
  const text = link.trim();
  if (!text.startsWith(DEVICE_LINK_SCHEME))
    throw new CoreError('bad-link', `a device link starts with ${DEVICE_LINK_SCHEME}; copy it whole`);
  let offer: DeviceLinkOffer;
  try {
    const r = new Reader(fromBase64Url(text.slice(DEVICE_LINK_SCHEME.length)), 'device link');
    if (r.u8() !== VERSION) throw new Error('version');
    const peerId = utf8Text(r.take(r.u8()));
    const count = r.u8();
    if (count > MAX_ADDRESSES) throw new Error('addresses');
    const addresses: string[] = [];
    for (let i = 0; i < count; i++) addresses.push(utf8Text(r.short(256)));
    const secret = r.take(LINK_SECRET_BYTES).slice();
    const expiresAt = r.u64();
    r.end();
    if (peerId.length === 0) throw new Error('peer');
    offer = { peerId, addresses, secret, expiresAt };
  } catch {
    throw new CoreError('bad-link', 'this device link is damaged; show a new one on your other device');
  }
  if (offer.expiresAt <= now)
    throw new CoreError('link-expired', 'this device link has expired (10 minutes); show a new one');
  return offer;
}

const proofOf = (ctx: Pick<Ctx, 'primitives'>, secret: Uint8Array, card: Uint8Array): Uint8Array =>
  ctx.primitives.hmacSha256(secret, concat(PROOF_DOMAIN, card));

export function encodeLinkRequest(
  ctx: Pick<Ctx, 'primitives'>,
  secret: Uint8Array,
  card: Uint8Array,
): Uint8Array {
  return new Writer()
    .u8(VERSION)
    .u8(KIND_REQUEST)
    .short(card)
    .bytes(proofOf(ctx, secret, card))
    .done();
}

export function encodeLinkFetch(
  ctx: Pick<Ctx, 'primitives'>,
  secret: Uint8Array,
  card: Uint8Array,
  offset: number,
): Uint8Array {
  return new Writer()
    .u8(VERSION)
    .u8(KIND_FETCH)
    .bytes(proofOf(ctx, secret, card))
    .u32(offset)
    .done();
}

/** Whether a query is a link request (its first two bytes), before decoding it. */
export const isLinkRequest = (b: Uint8Array): boolean =>
  b.length >= 2 && b[0] === VERSION && (b[1] === KIND_REQUEST || b[1] === KIND_FETCH);

interface Offer {
  readonly secret: Uint8Array;
  readonly expiresAt: number;
  /** Once a device proved the secret: its card and its sealed grant. */
  used?: { readonly card: Uint8Array; readonly proof: Uint8Array; readonly grant: Uint8Array };
}

/**
 * The links this device has shown and not yet seen expire. `approve` adds the device to the
 * account and returns its sealed grant (messenger/devices.ts approveDevice).
 */
export class LinkOffers {
  readonly #ctx: Ctx;
  readonly #approve: (card: Uint8Array, secret: Uint8Array) => Uint8Array;
  readonly #offers: Offer[] = [];

  constructor(ctx: Ctx, approve: (card: Uint8Array, secret: Uint8Array) => Uint8Array) {
    this.#ctx = ctx;
    this.#approve = approve;
  }

  /** A new one-time link to this device, valid LINK_TTL_MS. */
  create(): DeviceLinkOffer {
    this.#prune();
    if (this.#offers.length >= LINK_OFFERS_MAX)
      throw new CoreError('not-allowed', `at most ${LINK_OFFERS_MAX} device links at once; use one or wait`);
    const offer = { secret: this.#ctx.random(LINK_SECRET_BYTES), expiresAt: this.#ctx.now() + LINK_TTL_MS };
    this.#offers.push(offer);
    return {
      peerId: this.#ctx.account.info.peerId,
      addresses: this.#ctx.transport.addresses(),
      secret: offer.secret,
      expiresAt: offer.expiresAt,
    };
  }

  /** Whether a link is open (then strangers may ask on /parley/query: the proof decides). */
  open(): boolean {
    this.#prune();
    return this.#offers.length > 0;
  }

  /** The answer to a link request or fetch, or undefined if `request` is neither. */
  answer(request: Uint8Array): Uint8Array | undefined {
    if (!isLinkRequest(request)) return undefined;
    this.#prune();
    try {
      const r = new Reader(request, 'link request');
      r.u8();
      const kind = r.u8();
      if (kind === KIND_REQUEST) {
        const card = r.short(DEVICE_CARD_MAX_BYTES).slice();
        const proof = r.take(32);
        r.end();
        const offer = this.#find(proof, card);
        if (!offer) return status('refused');
        if (!offer.used) {
          try {
            offer.used = { card, proof: proof.slice(), grant: this.#approve(card, offer.secret) };
          } catch (error) {
            if (error instanceof CoreError && error.code === 'too-many-devices') return status('full');
            if (error instanceof CoreError) return status('refused');
            throw error;
          }
        }
        return part(offer.used.grant, 0);
      }
      const proof = r.take(32);
      const offset = r.u32();
      r.end();
      const offer = this.#offers.find((o) => o.used && equal(o.used.proof, proof));
      if (!offer?.used || offset > offer.used.grant.length) return status('refused');
      return part(offer.used.grant, offset);
    } catch (error) {
      if (error instanceof CoreError) return status('refused');
      throw error;
    }
  }

  /** The open offer whose secret `proof` proves for `card`: unused, or used by this same card. */
  #find(proof: Uint8Array, card: Uint8Array): Offer | undefined {
    for (const o of this.#offers) {
      if (!equal(proofOf(this.#ctx, o.secret, card), proof)) continue;
      if (!o.used || equal(o.used.card, card)) return o;
    }
    return undefined;
  }

  #prune(): void {
    const now = this.#ctx.now();
    for (let i = this.#offers.length - 1; i >= 0; i--)
      if ((this.#offers[i] as Offer).expiresAt <= now) this.#offers.splice(i, 1);
  }
}

function status(s: keyof typeof STATUS): Uint8Array {
  return Uint8Array.of(VERSION, STATUS[s]);
}

function part(grant: Uint8Array, offset: number): Uint8Array {
  const chunk = grant.subarray(offset, offset + LINK_PART_BYTES);
  return new Writer().u8(VERSION).u8(STATUS.ok).u32(grant.length).u32(offset).bytes(chunk).done();
}

/** Constant-time: a proof's bytes must not leak through how long a comparison takes. */
const equal = equalBytes;

/**
 * On the new device: asks the device behind `offer` to link `card`, and fetches the sealed grant
 * (in parts, with `onProgress(received, total)`). CoreError('bad-link') if it refuses.
 */
export async function requestLink(
  ctx: Pick<Ctx, 'primitives'>,
  transport: Pick<Transport, 'query'>,
  offer: DeviceLinkOffer,
  card: Uint8Array,
  onProgress?: (received: number, total: number) => void,
): Promise<Uint8Array> {
  const ask = async (request: Uint8Array) => {
    const answer = await transport.query(offer.peerId, request, { addresses: offer.addresses });
    return readPart(answer);
  };
  const first = await ask(encodeLinkRequest(ctx, offer.secret, card));
  const parts = [first.chunk];
  let received = first.chunk.length;
  onProgress?.(received, first.total);
  while (received < first.total) {
    const next = await ask(encodeLinkFetch(ctx, offer.secret, card, received));
    if (next.offset !== received || next.total !== first.total || next.chunk.length === 0)
      throw new CoreError('bad-link', 'the other device sent an inconsistent answer; try again');
    parts.push(next.chunk);
    received += next.chunk.length;
    onProgress?.(received, first.total);
  }
  return concat(...parts);
}

function readPart(answer: Uint8Array): { total: number; offset: number; chunk: Uint8Array } {
  const r = new Reader(answer, 'link answer');
  if (r.u8() !== VERSION)
    throw new CoreError('bad-link', 'the other device runs a version this one cannot read');
  const s = r.u8();
  if (s === STATUS.full)
    throw new CoreError('too-many-devices', 'the account has 8 devices already; remove one first');
  if (s !== STATUS.ok)
    throw new CoreError(
      'bad-link',
      'the other device refused this link (expired, used, or not shown there); show a new one',
    );
  const total = r.u32();
  const offset = r.u32();
  if (total === 0 || total > LINK_GRANT_MAX_BYTES) throw new CoreError('bad-link', 'bad grant size');
  return { total, offset, chunk: r.rest().slice() };
}
