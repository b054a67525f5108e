/**
 * The session API core calls (SPEC.md §6): X3DH start, then Double Ratchet
 * encrypt/decrypt as pure transitions on immutable {@link Session} values.
 * Core persists the returned session together with the message in one
 * database transaction; on any error it simply keeps the old session.
 * @module
 */
import { wipe } from './bytes.ts';
import type { ContactCard } from './contact-card.ts';
import { DecryptError, HandshakeError, KeyError, LimitError } from './errors.ts';
import { freshEncapsulation, freshX25519 } from './fresh-keys.ts';
import { bindingMessage, type Identity, type IdentityPublic, sameIdentity } from './identity.ts';
import { type KemPrekeyPair, kem, verifyKemPrekey } from './kem-prekeys.ts';
import {
  encodePrekeyPrefix,
  headerLength,
  type KemHeader,
  MAX_PLAINTEXT_BYTES,
  type ParsedMessage,
  PQ_RATCHET_PREFIX,
  parseMessage,
  RATCHET_PREFIX,
  writeHeader,
} from './message.ts';
import { INITIAL_PQ_STATE, INITIAL_RESPONDER_PQ_STATE } from './pq-ratchet.ts';
import type { PrekeyPair } from './prekeys.ts';
import { verifySignedPrekey } from './prekeys.ts';
import { AEAD_TAG_BYTES, type Primitives } from './primitives.ts';
import type { RandomSource } from './random.ts';
import {
  kdfCk,
  kdfRk,
  MAX_MESSAGE_NUMBER,
  NO_SKIPPED,
  ratchetDecrypt,
  Session,
  sealMessage,
} from './ratchet.ts';
import { sameKey } from './skipped-keys.ts';
import { initiatorDhs, responderDhs, x3dhAssociatedData, x3dhSecret } from './x3dh.ts';

/**
 * Start a session with a contact whose card was verified by `decodeContactCard`
 * (X3DH §3.3 + Double Ratchet §3.3 RatchetInitAlice). The first messages
 * `encrypt` produces carry the X3DH header until a reply is decrypted.
 * @example
 * let s = initiateSession(alice, decodeContactCard(bobCard, p), systemRandom, p);
 * const { session, message } = encrypt(s, utf8('hi'), p);
 */
export function initiateSession(
  ours: Identity,
  theirs: ContactCard,
  random: RandomSource,
  p: Primitives,
): Session {
  if (!verifySignedPrekey(theirs.identity, theirs.signedPrekey, p)) {
    throw new KeyError('bad-signature', 'signed prekey signature does not verify');
  }
  checkKemPrekeys(theirs, p);
  const { secretKey: ephemeralSecret, publicKey: baseKey } = freshX25519(random, p);
  const signedPrekey = theirs.signedPrekey.publicKey;
  // Suite 2 whenever the card offers a KEM prekey (SPEC.md §6.1.1): the caller cannot choose suite 1.
  const encapsulated = encapsulateToCard(theirs, random, p);
  const sk = x3dhSecret(
    p,
    initiatorDhs(p, {
      identitySecret: ours.agreementSecret,
      ephemeralSecret,
      remoteIdentityKey: theirs.identity.agreementKey,
      signedPrekey,
      oneTimePrekey: theirs.oneTimePrekey?.publicKey,
    }),
    encapsulated?.secret,
  );
  wipe(ephemeralSecret); // X3DH §3.3: delete the ephemeral private key
  const { secretKey: sendSecret, publicKey: sendPublic } = freshX25519(random, p);
  const [rootKey, sendChainKey] = kdfRk(p, sk, p.x25519(sendSecret, signedPrekey));
  wipe(sk);
  const otpk = theirs.oneTimePrekey;
  const prefix = {
    identity: ours.publicIdentity,
    binding: ours.binding,
    baseKey,
    signedPrekeyId: theirs.signedPrekey.id,
    ...(encapsulated ? { kem: encapsulated.header } : {}),
  };
  return new Session({
    ...(encapsulated ? { pq: INITIAL_PQ_STATE } : {}),
    role: 'initiator',
    remoteIdentity: theirs.identity,
    ad: x3dhAssociatedData(ours.publicIdentity, theirs.identity),
    baseKey,
    rootKey,
    sendSecret,
    sendPublic,
    remoteRatchetKey: signedPrekey,
    sendChainKey,
    sendN: 0,
    recvChainKey: undefined,
    recvN: 0,
    prevSendN: 0,
    skipped: NO_SKIPPED,
    pendingPrekey: encodePrekeyPrefix(otpk ? { ...prefix, oneTimePrekeyId: otpk.id } : prefix),
  });
}

/** Re-verify a suite-2 card's KEM prekey signatures, as the SPK's (a card object may not come from decode). */
function checkKemPrekeys(card: ContactCard, p: Primitives): void {
  const { identity, kemPrekey, oneTimeKemPrekey } = card;
  if (kemPrekey && !verifyKemPrekey(identity, 'signed', kemPrekey, p))
    throw new KeyError('bad-signature', 'KEM prekey signature does not verify');
  if (oneTimeKemPrekey && !verifyKemPrekey(identity, 'one-time', oneTimeKemPrekey, p))
    throw new KeyError('bad-signature', 'one-time KEM prekey signature does not verify');
  if (oneTimeKemPrekey && !kemPrekey)
    throw new KeyError('invalid-key', 'a one-time KEM prekey without a signed KEM prekey');
}

/**
 * PQXDH rev. 3 §3.3: encapsulate to the one-time KEM prekey if the card has one, else to the signed
 * one; draws m (32). Undefined for a suite-1 card.
 */
function encapsulateToCard(
  card: ContactCard,
  random: RandomSource,
  p: Primitives,
): { readonly secret: Uint8Array; readonly header: KemHeader } | undefined {
  const target = card.oneTimeKemPrekey ?? card.kemPrekey;
  if (!target) return undefined;
  const { ciphertext, sharedSecret } = freshEncapsulation(random, p, target.encapsulationKey);
  const kind = card.oneTimeKemPrekey ? 'one-time' : 'signed';
  return { secret: sharedSecret, header: { kind, id: target.id, ciphertext } };
}

/**
 * RatchetEncrypt (Double Ratchet §3.4). Returns the next session and the wire message.
 * Throws LimitError('counter-overflow') after 2^32 − 1 messages in one chain.
 * @example const { session: next, message } = encrypt(session, utf8('hello'), p);
 */
export function encrypt(
  session: Session,
  plaintext: Uint8Array,
  p: Primitives,
): { readonly session: Session; readonly message: Uint8Array } {
  if (plaintext.length > MAX_PLAINTEXT_BYTES) throw new RangeError('plaintext exceeds MAX_PLAINTEXT_BYTES');
  if (session.sendN >= MAX_MESSAGE_NUMBER)
    throw new LimitError('counter-overflow', 'sending chain exhausted');
  if (session.sendChainKey === undefined)
    throw new LimitError('counter-overflow', 'session has no sending chain');
  const [sendChainKey, mk] = kdfCk(p, session.sendChainKey);
  // A PQ chain's fields go with every message of the chain (SPEC.md §5.3); never with a prekey prefix.
  const pqFields = session.pendingPrekey ? undefined : session.pq?.sendFields;
  const prefix = session.pendingPrekey ?? (pqFields ? PQ_RATCHET_PREFIX : RATCHET_PREFIX);
  // Built in place: header, then ciphertext ‖ tag sealed with AD = session AD ‖ header (§6.2).
  const message = new Uint8Array(headerLength(prefix, pqFields) + plaintext.length + AEAD_TAG_BYTES);
  const headerBytes = writeHeader(
    message,
    prefix,
    session.sendPublic,
    session.prevSendN,
    session.sendN,
    pqFields,
  );
  sealMessage(p, mk, session.ad, message, headerBytes, plaintext);
  wipe(mk); // every message key is used once
  return { session: new Session({ ...session, sendChainKey, sendN: session.sendN + 1 }), message };
}

/**
 * RatchetDecrypt (Double Ratchet §3.5) on a copy. Returns the next session and the
 * plaintext; on failure throws the generic DecryptError (or LimitError /
 * FormatError('bad-version')) and `session` stays valid and unchanged. Accepts the
 * initiator's repeated prekey messages for the session they started.
 * @example const { session: next, plaintext } = decrypt(session, bytes, systemRandom, p);
 */
export function decrypt(
  session: Session,
  message: Uint8Array,
  random: RandomSource,
  p: Primitives,
): { readonly session: Session; readonly plaintext: Uint8Array } {
  const m = parseMessage(message);
  if (
    m.prekey &&
    !(sameKey(m.prekey.baseKey, session.baseKey) && sameIdentity(m.prekey.identity, session.remoteIdentity))
  ) {
    throw new DecryptError(); // a prekey message of another session: try acceptSession
  }
  return ratchetDecrypt(session, m, random, p);
}

/** What the responder's prekey store offers; lookups only, it is never mutated here. */
export interface PrekeyLookup {
  signedPrekey(id: number): PrekeyPair | undefined;
  oneTimePrekey(id: number): PrekeyPair | undefined;
  /** Suite 2: the signed ML-KEM-768 prekey with this id (absent: suite-2 messages are refused). */
  kemPrekey?(id: number): KemPrekeyPair | undefined;
  /** Suite 2: the one-time ML-KEM-768 prekey with this id (delete it when the session is stored). */
  oneTimeKemPrekey?(id: number): KemPrekeyPair | undefined;
}

/** Responder policy for {@link acceptSession}. */
export interface AcceptOptions {
  /**
   * Refuse suite-1 (classical) prekey messages with HandshakeError('downgrade'): set once every card
   * this identity has published, and not yet expired, offers a KEM prekey (SPEC.md §6.1.1).
   */
  readonly requirePostQuantum?: boolean;
}

/** Result of {@link acceptSession}. */
export interface AcceptedSession {
  readonly session: Session;
  readonly plaintext: Uint8Array;
  /** Authenticated: the X25519 key by X3DH, the Ed25519 key by the binding signature. */
  readonly remoteIdentity: IdentityPublic;
  /** Delete this one-time prekey in the transaction that stores `session`. */
  readonly usedOneTimePrekeyId?: number;
  /** Suite 2: delete this one-time KEM prekey in the same transaction. */
  readonly usedOneTimeKemPrekeyId?: number;
  /** The handshake suite: 1 (X3DH) or 2 (X25519 + ML-KEM-768). */
  readonly suite?: 1 | 2;
}

function lookupPrekeys(
  m: ParsedMessage,
  prekeys: PrekeyLookup,
): { spk: PrekeyPair; otpk: PrekeyPair | undefined } {
  const h = m.prekey!;
  const spk = prekeys.signedPrekey(h.signedPrekeyId);
  if (!spk) throw new HandshakeError('unknown-signed-prekey', `no signed prekey ${h.signedPrekeyId}`);
  const otpk = h.oneTimePrekeyId === undefined ? undefined : prekeys.oneTimePrekey(h.oneTimePrekeyId);
  if (h.oneTimePrekeyId !== undefined && !otpk) {
    throw new HandshakeError(
      'unknown-one-time-prekey',
      `no one-time prekey ${h.oneTimePrekeyId} (used or never issued)`,
    );
  }
  return { spk, otpk };
}

function lookupKemPrekey(h: KemHeader | undefined, prekeys: PrekeyLookup): KemPrekeyPair | undefined {
  if (!h) return undefined;
  const pair = h.kind === 'signed' ? prekeys.kemPrekey?.(h.id) : prekeys.oneTimeKemPrekey?.(h.id);
  if (!pair || pair.kind !== h.kind) {
    const code = h.kind === 'signed' ? 'unknown-kem-prekey' : 'unknown-one-time-kem-prekey';
    throw new HandshakeError(code, `no ${h.kind} KEM prekey ${h.id} (used or never issued)`);
  }
  return pair;
}

function responderSession(
  ours: Identity,
  m: ParsedMessage,
  spk: PrekeyPair,
  otpk: PrekeyPair | undefined,
  kpk: KemPrekeyPair | undefined,
  p: Primitives,
): Session {
  const h = m.prekey!;
  const kemSecret =
    kpk && h.kem ? kem(p).mlkem768Decapsulate(kpk.decapsulationKey, h.kem.ciphertext) : undefined;
  const rootKey = x3dhSecret(
    p,
    responderDhs(p, {
      identitySecret: ours.agreementSecret,
      signedPrekeySecret: spk.secretKey,
      oneTimePrekeySecret: otpk?.secretKey,
      remoteIdentityKey: h.identity.agreementKey,
      baseKey: h.baseKey,
    }),
    kemSecret,
  );
  // Double Ratchet §3.3 RatchetInitBob: DHs = signed prekey pair, RK = SK.
  return new Session({
    role: 'responder',
    remoteIdentity: h.identity,
    ad: x3dhAssociatedData(h.identity, ours.publicIdentity),
    baseKey: h.baseKey,
    rootKey,
    sendSecret: spk.secretKey.slice(),
    sendPublic: spk.publicKey,
    remoteRatchetKey: undefined,
    sendChainKey: undefined,
    sendN: 0,
    recvChainKey: undefined,
    recvN: 0,
    prevSendN: 0,
    skipped: NO_SKIPPED,
    pendingPrekey: undefined,
    ...(kpk ? { pq: INITIAL_RESPONDER_PQ_STATE } : {}),
  });
}

/**
 * Responder side of X3DH (§3.4): derive the session from a first (prekey) message
 * and decrypt it. Pure: the prekey store is only read; delete
 * `usedOneTimePrekeyId` when committing `session`. A tampered message throws
 * DecryptError and nothing is consumed.
 * @example
 * const { session, plaintext, remoteIdentity, usedOneTimePrekeyId } =
 *   acceptSession(bob, { signedPrekey: (id) => spks.get(id), oneTimePrekey: (id) => otpks.get(id) }, bytes, systemRandom, p);
 */
export function acceptSession(
  ours: Identity,
  prekeys: PrekeyLookup,
  firstMessage: Uint8Array,
  random: RandomSource,
  p: Primitives,
  options?: AcceptOptions,
): AcceptedSession {
  const m = parseMessage(firstMessage);
  if (!m.prekey) throw new HandshakeError('not-a-prekey-message', 'not a prekey message; use decrypt');
  if (!m.prekey.kem && options?.requirePostQuantum) {
    throw new HandshakeError(
      'downgrade',
      'a classical (suite 1) first message; this identity requires suite 2',
    );
  }
  const { spk, otpk } = lookupPrekeys(m, prekeys);
  const kpk = lookupKemPrekey(m.prekey.kem, prekeys);
  if (!p.ed25519Verify(m.prekey.binding, bindingMessage(m.prekey.identity), m.prekey.identity.signingKey)) {
    throw new DecryptError();
  }
  let initial: Session;
  try {
    initial = responderSession(ours, m, spk, otpk, kpk, p);
  } catch {
    throw new DecryptError(); // a low-order key in the header
  }
  let result: { readonly session: Session; readonly plaintext: Uint8Array };
  try {
    result = ratchetDecrypt(initial, m, random, p);
  } catch (e) {
    wipe(initial.rootKey, initial.sendSecret); // derived for a message that did not authenticate
    throw e;
  }
  const { session, plaintext } = result;
  const remoteIdentity = m.prekey.identity;
  return {
    session,
    plaintext,
    remoteIdentity,
    ...(otpk ? { usedOneTimePrekeyId: otpk.id } : {}),
    ...(kpk?.kind === 'one-time' ? { usedOneTimeKemPrekeyId: kpk.id } : {}),
    suite: kpk ? 2 : 1,
  };
}
