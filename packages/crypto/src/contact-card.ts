/**
 * Contact card / prekey bundle (SPEC.md §4): binds a libp2p PeerId (opaque
 * UTF-8), addresses, a display name and prekeys to an identity by one Ed25519
 * signature. Versioned, every field bounded; decoding verifies everything and
 * throws {@link CardError} with a stable code.
 * @module
 */
import { concat, type Fail, fromUtf8, Reader, utf8, Writer } from './bytes.ts';
import { CardError } from './errors.ts';
import { checkIdentityPublic, type Identity, type IdentityPublic } from './identity.ts';
import { type KemPrekeyPublic, verifyKemPrekey } from './kem-prekeys.ts';
import { checkEncapsulation, MLKEM_MESSAGE_BYTES, MLKEM768_ENCAPSULATION_KEY_BYTES } from './mlkem.ts';
import {
  checkPrekeyPublic,
  type OneTimePrekeyPublic,
  type SignedPrekeyPublic,
  verifySignedPrekey,
} from './prekeys.ts';
import { KEY_BYTES, type Primitives, SIGNATURE_BYTES } from './primitives.ts';

/** Card format version. */
export const CARD_VERSION = 1;
/** Key suite 1: X25519 + Ed25519 (X3DH). */
export const CARD_SUITE_X25519 = 1;
/** Key suite 2: X25519 + ML-KEM-768 + Ed25519 (PQXDH-style, SPEC.md §4): the card carries KEM prekeys. */
export const CARD_SUITE_X25519_MLKEM768 = 2;
/** Display name limit, bytes of UTF-8. */
export const CARD_NAME_MAX_BYTES = 64;
/** PeerId limit, bytes of UTF-8 ("12D3KooW…" is 52). */
export const CARD_PEER_ID_MAX_BYTES = 128;
/** At most this many addresses. */
export const CARD_MAX_ADDRESSES = 16;
/** Each address (multiaddr string) limit, bytes of UTF-8. */
export const CARD_ADDRESS_MAX_BYTES = 256;
/** Opaque extension field limit, bytes (room for a future PQ prekey lives in the suite instead). */
export const CARD_EXTENSION_MAX_BYTES = 2048;
const CARD_DOMAIN: Uint8Array = utf8('Parley_ContactCard_v1');

/**
 * A decoded and verified contact card.
 * @example const card = decodeContactCard(bytes, p); card.peerId;
 */
export interface ContactCard {
  readonly version: 1;
  readonly identity: IdentityPublic;
  readonly peerId: string;
  readonly displayName: string;
  readonly addresses: readonly string[];
  readonly signedPrekey: SignedPrekeyPublic;
  readonly oneTimePrekey?: OneTimePrekeyPublic;
  /**
   * Suite 2 only: the signed ML-KEM-768 prekey. A card that has one makes
   * `initiateSession` use suite 2 (no downgrade: the card signature covers the suite byte).
   */
  readonly kemPrekey?: KemPrekeyPublic;
  /** Suite 2 only, optional: a one-time ML-KEM-768 prekey (used instead of `kemPrekey`). */
  readonly oneTimeKemPrekey?: KemPrekeyPublic;
  /** Issue time, ms since the Unix epoch (injected). */
  readonly issuedAt: number;
  readonly extension: Uint8Array;
}

/** The fields a card is made from; the identity comes from the signer. */
export type ContactCardFields = Omit<ContactCard, 'version' | 'identity' | 'extension'> & {
  readonly extension?: Uint8Array;
};

const failCard: Fail = (code, what) => new CardError(code, what);

function bounded(s: string, max: number, what: string): Uint8Array {
  const b = utf8(s);
  if (b.length > max) throw new CardError('bad-length', `${what} is ${b.length} bytes; the limit is ${max}`);
  return b;
}

function writeKem(w: Writer, f: ContactCardFields): void {
  if (!f.kemPrekey) {
    if (f.oneTimeKemPrekey)
      throw new CardError('bad-field', 'a one-time KEM prekey needs a signed KEM prekey');
    return;
  }
  w.u32(f.kemPrekey.id);
  w.u64(f.kemPrekey.createdAt);
  w.bytes(f.kemPrekey.encapsulationKey);
  w.bytes(f.kemPrekey.signature);
  w.u8(f.oneTimeKemPrekey ? 1 : 0);
  if (f.oneTimeKemPrekey) {
    // the card carries no createdAt for it: the signature covers createdAt = 0 (SPEC.md §3.1)
    if (f.oneTimeKemPrekey.createdAt !== 0)
      throw new CardError('bad-field', 'a one-time KEM prekey has createdAt 0');
    w.u32(f.oneTimeKemPrekey.id);
    w.bytes(f.oneTimeKemPrekey.encapsulationKey);
    w.bytes(f.oneTimeKemPrekey.signature);
  }
}

function writeBody(w: Writer, pub: IdentityPublic, f: ContactCardFields): void {
  w.u8(CARD_VERSION);
  w.u8(f.kemPrekey ? CARD_SUITE_X25519_MLKEM768 : CARD_SUITE_X25519);
  w.bytes(pub.signingKey);
  w.bytes(pub.agreementKey);
  w.var16(bounded(f.peerId, CARD_PEER_ID_MAX_BYTES, 'peerId'), CARD_PEER_ID_MAX_BYTES);
  w.var16(bounded(f.displayName, CARD_NAME_MAX_BYTES, 'display name'), CARD_NAME_MAX_BYTES);
  if (f.addresses.length > CARD_MAX_ADDRESSES) throw new CardError('bad-length', 'too many addresses');
  w.u8(f.addresses.length);
  for (const a of f.addresses) w.var16(bounded(a, CARD_ADDRESS_MAX_BYTES, 'address'), CARD_ADDRESS_MAX_BYTES);
  w.u32(f.signedPrekey.id);
  w.u64(f.signedPrekey.createdAt);
  w.bytes(f.signedPrekey.publicKey);
  w.bytes(f.signedPrekey.signature);
  w.u8(f.oneTimePrekey ? 1 : 0);
  if (f.oneTimePrekey) {
    w.u32(f.oneTimePrekey.id);
    w.bytes(f.oneTimePrekey.publicKey);
  }
  writeKem(w, f);
  w.u64(f.issuedAt);
  const ext = f.extension ?? new Uint8Array(0);
  if (ext.length > CARD_EXTENSION_MAX_BYTES) throw new CardError('bad-length', 'extension too long');
  w.var16(ext, CARD_EXTENSION_MAX_BYTES);
}

/**
 * Build and sign a card. Ed25519 signing is deterministic, so no randomness is needed.
 * @example
 * const card = createContactCard(alice, { peerId, displayName: 'Alice', addresses: [],
 *   signedPrekey: spk, oneTimePrekey: otpk, issuedAt: Date.now() }, p);
 */
export function createContactCard(identity: Identity, fields: ContactCardFields, p: Primitives): Uint8Array {
  checkPrekeyPublic(fields.signedPrekey.publicKey);
  if (fields.oneTimePrekey) checkPrekeyPublic(fields.oneTimePrekey.publicKey);
  for (const k of [fields.kemPrekey, fields.oneTimeKemPrekey]) if (k) checkKemPublic(k.encapsulationKey);
  const w = new Writer(fields.kemPrekey ? 3072 : 512);
  writeBody(w, identity.publicIdentity, fields);
  const body = w.finish();
  return concat(body, p.ed25519Sign(identity.signingSecret, concat(CARD_DOMAIN, body)));
}

function text(r: Reader, max: number, what: string): string {
  try {
    return fromUtf8(r.var16(max, what));
  } catch (e) {
    if (e instanceof CardError) throw e;
    throw new CardError('bad-field', `${what} is not valid UTF-8`);
  }
}

/** FIPS 203 §7.2 modulus check of a published ek, so a bad card fails at decode, not at first use. */
function checkKemPublic(ek: Uint8Array): void {
  try {
    checkEncapsulation(ek, new Uint8Array(MLKEM_MESSAGE_BYTES));
  } catch {
    throw new CardError('bad-key', 'ML-KEM-768 prekey is not a valid encapsulation key');
  }
}

function readHeader(r: Reader): { identity: IdentityPublic; suite: 1 | 2 } {
  if (r.u8('version') !== CARD_VERSION) throw new CardError('bad-version', 'unknown contact card version');
  const suite = r.u8('suite');
  if (suite !== CARD_SUITE_X25519 && suite !== CARD_SUITE_X25519_MLKEM768)
    throw new CardError('bad-suite', 'unknown contact card key suite');
  const identity = {
    signingKey: r.bytesN(KEY_BYTES, 'signing key'),
    agreementKey: r.bytesN(KEY_BYTES, 'agreement key'),
  };
  return { identity, suite };
}

function readKemPrekey(r: Reader, what: string, withCreatedAt: boolean): KemPrekeyPublic {
  const id = r.u32(`${what} id`);
  const createdAt = withCreatedAt ? r.u64(`${what} createdAt`) : 0;
  const encapsulationKey = r.bytesN(MLKEM768_ENCAPSULATION_KEY_BYTES, what);
  checkKemPublic(encapsulationKey);
  return { id, createdAt, encapsulationKey, signature: r.bytesN(SIGNATURE_BYTES, `${what} signature`) };
}

/** Suite 2 (SPEC.md §4): signed KEM prekey, then an optional one-time KEM prekey. */
function readKem(r: Reader): Pick<ContactCard, 'kemPrekey' | 'oneTimeKemPrekey'> {
  const kemPrekey = readKemPrekey(r, 'KEM prekey', true);
  const flag = r.u8('one-time KEM prekey flag');
  if (flag > 1) throw new CardError('bad-field', 'one-time KEM prekey flag must be 0 or 1');
  if (flag === 0) return { kemPrekey };
  return { kemPrekey, oneTimeKemPrekey: readKemPrekey(r, 'one-time KEM prekey', false) };
}

function readPrekeys(r: Reader): Pick<ContactCard, 'signedPrekey' | 'oneTimePrekey'> {
  const signedPrekey: SignedPrekeyPublic = {
    id: r.u32('signed prekey id'),
    createdAt: r.u64('signed prekey createdAt'),
    publicKey: r.bytesN(KEY_BYTES, 'signed prekey'),
    signature: r.bytesN(SIGNATURE_BYTES, 'signed prekey signature'),
  };
  const flag = r.u8('one-time prekey flag');
  if (flag > 1) throw new CardError('bad-field', 'one-time prekey flag must be 0 or 1');
  if (flag === 0) return { signedPrekey };
  return {
    signedPrekey,
    oneTimePrekey: { id: r.u32('one-time prekey id'), publicKey: r.bytesN(KEY_BYTES, 'one-time prekey') },
  };
}

function readBody(r: Reader): ContactCard {
  const { identity, suite } = readHeader(r);
  const peerId = text(r, CARD_PEER_ID_MAX_BYTES, 'peerId');
  const displayName = text(r, CARD_NAME_MAX_BYTES, 'display name');
  const count = r.u8('address count');
  if (count > CARD_MAX_ADDRESSES) throw new CardError('bad-length', 'too many addresses');
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(text(r, CARD_ADDRESS_MAX_BYTES, 'address'));
  const prekeys = readPrekeys(r);
  const kemPrekeys = suite === CARD_SUITE_X25519_MLKEM768 ? readKem(r) : {};
  const issuedAt = r.u64('issuedAt');
  const extension = r.var16(CARD_EXTENSION_MAX_BYTES, 'extension');
  return {
    version: 1,
    identity,
    peerId,
    displayName,
    addresses: Object.freeze(addresses),
    ...prekeys,
    ...kemPrekeys,
    issuedAt,
    extension,
  };
}

/**
 * Decode a card and verify its signature and its signed prekey signature
 * (strict Ed25519). Throws {@link CardError}.
 * @example const card = decodeContactCard(bytes, p); // then initiateSession(me, card, ...)
 */
export function decodeContactCard(bytes: Uint8Array, p: Primitives): ContactCard {
  const r = new Reader(bytes, failCard);
  const card = readBody(r);
  const bodyEnd = r.offset;
  const signature = r.bytesN(SIGNATURE_BYTES, 'signature');
  r.end('contact card');
  checkIdentityPublic(card.identity);
  const signed = concat(CARD_DOMAIN, bytes.subarray(0, bodyEnd));
  if (!p.ed25519Verify(signature, signed, card.identity.signingKey)) {
    throw new CardError('bad-signature', 'contact card signature does not verify');
  }
  if (!verifySignedPrekey(card.identity, card.signedPrekey, p)) {
    throw new CardError('bad-signature', 'signed prekey signature does not verify');
  }
  const { kemPrekey, oneTimeKemPrekey } = card;
  if (kemPrekey && !verifyKemPrekey(card.identity, 'signed', kemPrekey, p)) {
    throw new CardError('bad-signature', 'KEM prekey signature does not verify');
  }
  if (oneTimeKemPrekey && !verifyKemPrekey(card.identity, 'one-time', oneTimeKemPrekey, p)) {
    throw new CardError('bad-signature', 'one-time KEM prekey signature does not verify');
  }
  return Object.freeze(card);
}
