/**
 * Signed prekeys and one-time prekeys (X3DH §2.4 / §3.2 roles, SPEC.md §3.2).
 * This module never stores anything: core keeps prekeys in its database and
 * deletes a one-time prekey in the same transaction that stores the session
 * `acceptSession` returned (X3DH §4.4 / libsignal practice).
 * @module
 */
import { concat, failFormat, Reader, utf8, Writer, wipe } from './bytes.ts';
import { FormatError, KeyError } from './errors.ts';
import type { Identity, IdentityPublic } from './identity.ts';
import { KEY_BYTES, type Primitives, SIGNATURE_BYTES } from './primitives.ts';
import { draw, type RandomSource } from './random.ts';
import { Redacted } from './redact.ts';

/** Publish a new signed prekey after this age (ms): 7 days, as Signal clients do. */
export const SIGNED_PREKEY_ROTATION_MS: number = 7 * 24 * 60 * 60 * 1000;
/**
 * Keep the previous signed prekey this long (ms) after its successor was
 * created, so first messages built from an older card still open: 30 days.
 */
export const SIGNED_PREKEY_GRACE_MS: number = 30 * 24 * 60 * 60 * 1000;
/** Version byte of the secret prekey encoding. */
export const PREKEY_ENCODING_VERSION = 1;
const SIGNED_PREKEY_DOMAIN: Uint8Array = utf8('Parley_SignedPrekey_v1');
const KIND_SIGNED = 1;
const KIND_ONE_TIME = 2;

/**
 * The public part of a signed prekey, as published in a contact card.
 * @example const pub: SignedPrekeyPublic = { id, createdAt, publicKey, signature };
 */
export interface SignedPrekeyPublic {
  /** Identifier chosen by the owner, u32. */
  readonly id: number;
  /** Creation time, ms since the Unix epoch (injected). */
  readonly createdAt: number;
  /** X25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** Ed25519 signature by the identity over {@link signedPrekeyMessage}. */
  readonly signature: Uint8Array;
}

/**
 * The public part of a one-time prekey.
 * @example const pub: OneTimePrekeyPublic = { id: 7, publicKey };
 */
export interface OneTimePrekeyPublic {
  /** Identifier, u32. */
  readonly id: number;
  /** X25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array;
}

/** A prekey key pair (signed or one-time). Prints `[redacted]`. */
export class PrekeyPair extends Redacted {
  /** 'signed' or 'one-time'. */
  readonly kind: 'signed' | 'one-time';
  /** Identifier, u32. */
  readonly id: number;
  /** Creation time (ms); 0 for one-time prekeys. */
  readonly createdAt: number;
  /** X25519 secret, 32 bytes. */
  readonly secretKey: Uint8Array;
  /** X25519 public, 32 bytes. */
  readonly publicKey: Uint8Array;
  /** Identity signature (signed prekeys); empty for one-time prekeys. */
  readonly signature: Uint8Array;
  constructor(
    fields: Pick<PrekeyPair, 'kind' | 'id' | 'createdAt' | 'secretKey' | 'publicKey' | 'signature'>,
  ) {
    super();
    this.kind = fields.kind;
    this.id = fields.id;
    this.createdAt = fields.createdAt;
    this.secretKey = fields.secretKey;
    this.publicKey = fields.publicKey;
    this.signature = fields.signature;
    Object.freeze(this);
  }
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff)
    throw new RangeError(`prekey id ${id} is not a u32`);
}

/** Bytes a signed prekey signature covers: domain ‖ u32 id ‖ u64 createdAt ‖ public key. */
export function signedPrekeyMessage(id: number, createdAt: number, publicKey: Uint8Array): Uint8Array {
  const w = new Writer(48);
  w.u32(id);
  w.u64(createdAt);
  w.bytes(publicKey);
  return concat(SIGNED_PREKEY_DOMAIN, w.finish());
}

/**
 * Create a signed prekey. `createdAt` is injected time (ms).
 * @example const spk = createSignedPrekey(alice, 1, Date.now(), systemRandom, p);
 */
export function createSignedPrekey(
  identity: Identity,
  id: number,
  createdAt: number,
  random: RandomSource,
  p: Primitives,
): PrekeyPair {
  checkId(id);
  const secretKey = draw(random, KEY_BYTES);
  const publicKey = p.x25519PublicKey(secretKey);
  const signature = p.ed25519Sign(identity.signingSecret, signedPrekeyMessage(id, createdAt, publicKey));
  return new PrekeyPair({ kind: 'signed', id, createdAt, secretKey, publicKey, signature });
}

/**
 * Create `count` one-time prekeys with ids firstId, firstId+1, …
 * @example const otpks = createOneTimePrekeys(100, 20, systemRandom, p);
 */
export function createOneTimePrekeys(
  firstId: number,
  count: number,
  random: RandomSource,
  p: Primitives,
): PrekeyPair[] {
  const out: PrekeyPair[] = [];
  for (let i = 0; i < count; i++) {
    checkId(firstId + i);
    const secretKey = draw(random, KEY_BYTES);
    const publicKey = p.x25519PublicKey(secretKey);
    out.push(
      new PrekeyPair({
        kind: 'one-time',
        id: firstId + i,
        createdAt: 0,
        secretKey,
        publicKey,
        signature: new Uint8Array(0),
      }),
    );
  }
  return out;
}

/**
 * Verify a signed prekey against the identity that published it (strict Ed25519).
 * @example if (!verifySignedPrekey(card.identity, card.signedPrekey, p)) reject();
 */
export function verifySignedPrekey(owner: IdentityPublic, spk: SignedPrekeyPublic, p: Primitives): boolean {
  if (spk.publicKey.length !== KEY_BYTES || spk.signature.length !== SIGNATURE_BYTES) return false;
  return p.ed25519Verify(
    spk.signature,
    signedPrekeyMessage(spk.id, spk.createdAt, spk.publicKey),
    owner.signingKey,
  );
}

/**
 * Rotation plan (SPEC.md §3.2): rotate when the newest signed prekey is older than
 * {@link SIGNED_PREKEY_ROTATION_MS}; keep the newest and every older one whose
 * successor is younger than {@link SIGNED_PREKEY_GRACE_MS}; discard the rest.
 * @example const { rotate, discard } = planSignedPrekeyRotation(stored, Date.now());
 */
export function planSignedPrekeyRotation(
  existing: readonly { readonly id: number; readonly createdAt: number }[],
  now: number,
): { readonly rotate: boolean; readonly keep: readonly number[]; readonly discard: readonly number[] } {
  const sorted = [...existing].sort((a, b) => b.createdAt - a.createdAt);
  const newest = sorted[0];
  const rotate = newest === undefined || now - newest.createdAt >= SIGNED_PREKEY_ROTATION_MS;
  const keep: number[] = [];
  const discard: number[] = [];
  sorted.forEach((spk, i) => {
    const successor = i === 0 ? undefined : sorted[i - 1];
    const live = successor === undefined || now - successor.createdAt < SIGNED_PREKEY_GRACE_MS;
    (live ? keep : discard).push(spk.id);
  });
  return { rotate, keep, discard };
}

/**
 * Secret prekey encoding: version(1)=1 ‖ kind(1) ‖ id u32 ‖ createdAt u64 ‖ secret(32) ‖
 * [signature(64) if signed]. The public key is recomputed on decode.
 * @example const bytes = encodePrekey(spk);
 */
export function encodePrekey(pair: PrekeyPair): Uint8Array {
  const w = new Writer(112);
  w.u8(PREKEY_ENCODING_VERSION);
  w.u8(pair.kind === 'signed' ? KIND_SIGNED : KIND_ONE_TIME);
  w.u32(pair.id);
  w.u64(pair.createdAt);
  w.bytes(pair.secretKey);
  if (pair.kind === 'signed') w.bytes(pair.signature);
  return w.finish();
}

/**
 * Inverse of {@link encodePrekey}.
 * @example const spk = decodePrekey(bytes, p);
 */
export function decodePrekey(bytes: Uint8Array, p: Primitives): PrekeyPair {
  const r = new Reader(bytes, failFormat);
  if (r.u8('prekey version') !== PREKEY_ENCODING_VERSION)
    throw new FormatError('bad-version', 'prekey version');
  const k = r.u8('prekey kind');
  if (k !== KIND_SIGNED && k !== KIND_ONE_TIME) throw new FormatError('bad-value', 'prekey kind');
  const id = r.u32('prekey id');
  const createdAt = r.u64('prekey createdAt');
  const secretKey = r.bytesN(KEY_BYTES, 'prekey secret');
  const signature = k === KIND_SIGNED ? r.bytesN(SIGNATURE_BYTES, 'prekey signature') : new Uint8Array(0);
  r.end('prekey');
  const kind = k === KIND_SIGNED ? 'signed' : 'one-time';
  return new PrekeyPair({
    kind,
    id,
    createdAt,
    secretKey,
    publicKey: p.x25519PublicKey(secretKey),
    signature,
  });
}

/** Throw KeyError unless a public prekey is 32 bytes. */
export function checkPrekeyPublic(key: Uint8Array): void {
  if (key?.length !== KEY_BYTES) throw new KeyError('bad-key-length', 'prekey public key must be 32 bytes');
}

/**
 * Best-effort wipe of a prekey's secret (call after deleting a used one-time prekey).
 * @example wipePrekey(otpk);
 */
export function wipePrekey(pair: PrekeyPair): void {
  wipe(pair.secretKey);
}
