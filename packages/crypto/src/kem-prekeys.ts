/**
 * ML-KEM-768 prekeys for the hybrid handshake (suite 2, SPEC.md §3.1): Signal
 * PQXDH rev. 3 §2.4 "last-resort" and one-time post-quantum prekeys. Every KEM
 * prekey, one-time ones included, carries an identity signature (PQXDH §3.2:
 * a KEM key has no DH to authenticate it), with its kind in the signed bytes so
 * a one-time key cannot pose as the signed one. Like ./prekeys.ts this module
 * stores nothing: core deletes a used one-time KEM prekey in the transaction
 * that stores the session `acceptSession` returned.
 * @module
 */
import { concat, failFormat, Reader, utf8, Writer, wipe } from './bytes.ts';
import { FormatError, KeyError } from './errors.ts';
import type { Identity, IdentityPublic } from './identity.ts';
import { MLKEM768_ENCAPSULATION_KEY_BYTES, MLKEM768_SEED_BYTES, type MlKemKeyPair } from './mlkem.ts';
import { type Primitives, SIGNATURE_BYTES } from './primitives.ts';
import { draw, type RandomSource } from './random.ts';
import { Redacted } from './redact.ts';

const KEM_PREKEY_DOMAIN: Uint8Array = utf8('Parley_KemPrekey_v1');
/** Version byte of the secret KEM prekey encoding (kinds 3 and 4 keep it apart from X25519 prekeys). */
export const KEM_PREKEY_ENCODING_VERSION = 1;
const KIND_BYTE = { signed: 3, 'one-time': 4 } as const;

/**
 * The public part of an ML-KEM-768 prekey, as published in a suite-2 contact card.
 * @example const pub: KemPrekeyPublic = { id, createdAt, encapsulationKey, signature };
 */
export interface KemPrekeyPublic {
  /** Identifier chosen by the owner, u32 (one id space per kind). */
  readonly id: number;
  /** Creation time, ms since the Unix epoch (0 for one-time prekeys). */
  readonly createdAt: number;
  /** ML-KEM-768 encapsulation key, 1,184 bytes. */
  readonly encapsulationKey: Uint8Array;
  /** Ed25519 signature by the identity over {@link kemPrekeyMessage}. */
  readonly signature: Uint8Array;
}

/** An ML-KEM-768 prekey with its secret. Prints `[redacted]`. */
export class KemPrekeyPair extends Redacted {
  /** 'signed' (last resort, reused until rotated) or 'one-time'. */
  readonly kind: 'signed' | 'one-time';
  readonly id: number;
  readonly createdAt: number;
  /** KeyGen seed d ‖ z (FIPS 203 Alg. 16), 64 bytes: what is stored. */
  readonly seed: Uint8Array;
  /** ek, 1,184 bytes. */
  readonly encapsulationKey: Uint8Array;
  /** dk in the 2,400-byte expanded form, recomputed from the seed. */
  readonly decapsulationKey: Uint8Array;
  readonly signature: Uint8Array;
  constructor(
    fields: Pick<KemPrekeyPair, 'kind' | 'id' | 'createdAt' | 'seed' | 'signature'>,
    keys: MlKemKeyPair,
  ) {
    super();
    this.kind = fields.kind;
    this.id = fields.id;
    this.createdAt = fields.createdAt;
    this.seed = fields.seed;
    this.encapsulationKey = keys.encapsulationKey;
    this.decapsulationKey = keys.decapsulationKey;
    this.signature = fields.signature;
    Object.freeze(this);
  }
  /** The public part, for a contact card. */
  get publicKey(): KemPrekeyPublic {
    const { id, createdAt, encapsulationKey, signature } = this;
    return { id, createdAt, encapsulationKey, signature };
  }
}

/** The ML-KEM-768 members of a backend, or a KeyError if it has none. */
export function kem(
  p: Primitives,
): Required<Pick<Primitives, 'mlkem768Keygen' | 'mlkem768Encapsulate' | 'mlkem768Decapsulate'>> {
  const { mlkem768Keygen, mlkem768Encapsulate, mlkem768Decapsulate } = p;
  if (!mlkem768Keygen || !mlkem768Encapsulate || !mlkem768Decapsulate) {
    throw new KeyError('invalid-key', `backend ${p.name} has no ML-KEM-768; suite 2 needs it`);
  }
  return { mlkem768Keygen, mlkem768Encapsulate, mlkem768Decapsulate };
}

/** Signed bytes: domain ‖ u8 kind (3 signed, 4 one-time) ‖ u32 id ‖ u64 createdAt ‖ ek. */
export function kemPrekeyMessage(
  kind: 'signed' | 'one-time',
  id: number,
  createdAt: number,
  ek: Uint8Array,
): Uint8Array {
  const w = new Writer(16 + ek.length);
  w.u8(KIND_BYTE[kind]);
  w.u32(id);
  w.u64(createdAt);
  w.bytes(ek);
  return concat(KEM_PREKEY_DOMAIN, w.finish());
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff)
    throw new RangeError(`KEM prekey id ${id} is not a u32`);
}

function make(
  identity: Identity,
  kind: 'signed' | 'one-time',
  id: number,
  createdAt: number,
  seed: Uint8Array,
  p: Primitives,
): KemPrekeyPair {
  checkId(id);
  const keys = kem(p).mlkem768Keygen(seed);
  const message = kemPrekeyMessage(kind, id, createdAt, keys.encapsulationKey);
  const signature = p.ed25519Sign(identity.signingSecret, message);
  return new KemPrekeyPair({ kind, id, createdAt, seed, signature }, keys);
}

/**
 * Create the signed (last-resort) ML-KEM-768 prekey; draws the 64-byte seed.
 * @example const kpk = createKemPrekey(bob, 1, Date.now(), systemRandom, p);
 */
export function createKemPrekey(
  identity: Identity,
  id: number,
  createdAt: number,
  random: RandomSource,
  p: Primitives,
): KemPrekeyPair {
  return make(identity, 'signed', id, createdAt, draw(random, MLKEM768_SEED_BYTES), p);
}

/**
 * Create `count` one-time ML-KEM-768 prekeys with ids firstId, firstId+1, …; each draws a seed (64).
 * @example const kotpks = createOneTimeKemPrekeys(bob, 100, 5, systemRandom, p);
 */
export function createOneTimeKemPrekeys(
  identity: Identity,
  firstId: number,
  count: number,
  random: RandomSource,
  p: Primitives,
): KemPrekeyPair[] {
  const out: KemPrekeyPair[] = [];
  for (let i = 0; i < count; i++) {
    out.push(make(identity, 'one-time', firstId + i, 0, draw(random, MLKEM768_SEED_BYTES), p));
  }
  return out;
}

/**
 * Verify a KEM prekey's signature (strict Ed25519) for the kind it is used as.
 * @example if (!verifyKemPrekey(card.identity, 'signed', card.kemPrekey, p)) reject();
 */
export function verifyKemPrekey(
  owner: IdentityPublic,
  kind: 'signed' | 'one-time',
  pub: KemPrekeyPublic,
  p: Primitives,
): boolean {
  if (pub.encapsulationKey.length !== MLKEM768_ENCAPSULATION_KEY_BYTES) return false;
  if (pub.signature.length !== SIGNATURE_BYTES) return false;
  const message = kemPrekeyMessage(kind, pub.id, pub.createdAt, pub.encapsulationKey);
  return p.ed25519Verify(pub.signature, message, owner.signingKey);
}

/**
 * Secret encoding: u8 1 ‖ u8 kind (3 signed, 4 one-time) ‖ u32 id ‖ u64 createdAt ‖ seed(64) ‖ sig(64)
 * (142 bytes). ek and dk are recomputed from the seed on decode.
 * @example db.put(kpk.id, encodeKemPrekey(kpk));
 */
export function encodeKemPrekey(pair: KemPrekeyPair): Uint8Array {
  const w = new Writer(142);
  w.u8(KEM_PREKEY_ENCODING_VERSION);
  w.u8(KIND_BYTE[pair.kind]);
  w.u32(pair.id);
  w.u64(pair.createdAt);
  w.bytes(pair.seed);
  w.bytes(pair.signature);
  return w.finish();
}

/**
 * Inverse of {@link encodeKemPrekey}; FormatError on any inconsistency.
 * @example const kpk = decodeKemPrekey(bytes, p);
 */
export function decodeKemPrekey(bytes: Uint8Array, p: Primitives): KemPrekeyPair {
  const r = new Reader(bytes, failFormat);
  if (r.u8('KEM prekey version') !== KEM_PREKEY_ENCODING_VERSION)
    throw new FormatError('bad-version', 'KEM prekey version');
  const k = r.u8('KEM prekey kind');
  if (k !== KIND_BYTE.signed && k !== KIND_BYTE['one-time'])
    throw new FormatError('bad-value', 'KEM prekey kind');
  const id = r.u32('KEM prekey id');
  const createdAt = r.u64('KEM prekey createdAt');
  const seed = r.bytesN(MLKEM768_SEED_BYTES, 'KEM prekey seed');
  const signature = r.bytesN(SIGNATURE_BYTES, 'KEM prekey signature');
  r.end('KEM prekey');
  const kind = k === KIND_BYTE.signed ? 'signed' : 'one-time';
  return new KemPrekeyPair({ kind, id, createdAt, seed, signature }, kem(p).mlkem768Keygen(seed));
}

/**
 * Best-effort wipe of a KEM prekey's secrets (after deleting a used one-time KEM prekey).
 * @example wipeKemPrekey(kotpk);
 */
export function wipeKemPrekey(pair: KemPrekeyPair): void {
  wipe(pair.seed, pair.decapsulationKey);
}
