/**
 * The golden stored sessions behind session-state-v1.json (SPEC.md §6.3): an
 * initiator with a pending prekey prefix, and a responder holding skipped keys
 * in two receiving chains, then after one chain emptied and was deleted. All
 * randomness from the seeded RNG of ../helpers.ts. A session never holds a
 * pending prefix and skipped keys at once: skipped keys are stored only by a
 * successful decrypt, which also ends the prekey phase (§6.2 step 6).
 * `stored` replays delivery from the committed messages instead of fresh ones.
 */
import {
  acceptSession,
  decodeContactCard,
  decrypt,
  deserializeSession,
  encodeIdentity,
  encrypt,
  initiateSession,
  type Primitives,
  type Session,
  serializeSession,
  toHex,
} from '../../src/index.ts';
import { lookup, makeParty, seededRandom, str, text } from '../helpers.ts';

export const SESSION_STATE_SEED = 'parley session state v1';

/** A stored session's fields as SPEC.md §6.3 names them (hex; numbers as numbers). */
export interface DecodedSession {
  readonly role: 'initiator' | 'responder';
  readonly flags: number;
  readonly ad: string;
  readonly ekPub: string;
  readonly rk: string;
  readonly dhsSecret: string;
  readonly dhsPub: string;
  readonly dhr: string | null;
  readonly cks: string | null;
  readonly ckr: string | null;
  readonly ns: number;
  readonly nr: number;
  readonly pn: number;
  readonly pendingPrekey: string | null;
  readonly skipped: readonly { ratchetKey: string; keys: readonly { n: number; mk: string }[] }[];
}

export interface SessionStateVectors {
  readonly version: 1;
  readonly seed: string;
  readonly rng: string;
  readonly identities: { readonly alice: string; readonly bob: string };
  readonly bobCard: string;
  /** Every message, in the order it was sent. */
  readonly messages: readonly { from: 'alice' | 'bob'; name: string; plaintext: string; bytes: string }[];
  readonly states: Record<
    'initiatorPending' | 'responderSkipped' | 'responderChainDeleted',
    { readonly bytes: string; readonly decoded: DecodedSession }
  >;
}

const hexOrNull = (b: Uint8Array | undefined): string | null => (b ? toHex(b) : null);

/** What `deserializeSession` makes of stored bytes, in SPEC.md §6.3's names. */
export function decodeSessionFields(bytes: Uint8Array): DecodedSession {
  const s = deserializeSession(bytes);
  return {
    role: s.role,
    flags: bytes[2]!,
    ad: toHex(s.ad),
    ekPub: toHex(s.baseKey),
    rk: toHex(s.rootKey),
    dhsSecret: toHex(s.sendSecret),
    dhsPub: toHex(s.sendPublic),
    dhr: hexOrNull(s.remoteRatchetKey),
    cks: hexOrNull(s.sendChainKey),
    ckr: hexOrNull(s.recvChainKey),
    ns: s.sendN,
    nr: s.recvN,
    pn: s.prevSendN,
    pendingPrekey: hexOrNull(s.pendingPrekey),
    skipped: s.skipped.chains.map((c) => ({
      ratchetKey: toHex(c.ratchetKey),
      keys: [...c.keys].map(([n, mk]) => ({ n, mk: toHex(mk) })),
    })),
  };
}

export function runSessionState(p: Primitives, stored?: readonly string[]): SessionStateVectors {
  const rnd = seededRandom(SESSION_STATE_SEED);
  const alice = makeParty('alice', rnd, p, 1);
  const bob = makeParty('bob', rnd, p, 1);
  const messages: { from: 'alice' | 'bob'; name: string; plaintext: string; bytes: string }[] = [];
  const wire = (name: string): Uint8Array => {
    const i = messages.findIndex((m) => m.name === name);
    return Uint8Array.from(Buffer.from(stored?.[i] ?? messages[i]!.bytes, 'hex'));
  };
  const send = (from: 'alice' | 'bob', s: Session, name: string): Session => {
    const plaintext = `${from} ${name}`;
    const r = encrypt(s, text(plaintext), p);
    messages.push({ from, name, plaintext, bytes: toHex(r.message) });
    return r.session;
  };
  const open = (s: Session, name: string): Session => {
    const r = decrypt(s, wire(name), rnd, p);
    if (str(r.plaintext) !== messages.find((m) => m.name === name)!.plaintext) throw new Error(name);
    return r.session;
  };
  let a = initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p);
  for (const name of ['a0', 'a1', 'a2']) a = send('alice', a, name); // prekey messages, chain A1
  const initiatorPending = serializeSession(a);
  const accepted = acceptSession(bob.identity, lookup(bob), wire('a1'), rnd, p); // skips A1 #0
  let b = send('bob', accepted.session, 'b0');
  a = open(a, 'b0'); // DH step: the prekey phase ends
  for (const name of ['a3', 'a4']) a = send('alice', a, name); // chain A2, PN = 3
  b = open(b, 'a4'); // skips A1 #2 (old chain up to PN) and A2 #0 (new chain)
  const responderSkipped = serializeSession(b);
  for (const name of ['a0', 'a2']) b = open(b, name); // A1 empties and is deleted
  const responderChainDeleted = serializeSession(b);
  const state = (bytes: Uint8Array) => ({ bytes: toHex(bytes), decoded: decodeSessionFields(bytes) });
  return {
    version: 1,
    seed: SESSION_STATE_SEED,
    rng: 'block i = SHA-256(utf8(seed) || u32be(i)); output = block0 || block1 || ... consumed in order',
    identities: { alice: toHex(encodeIdentity(alice.identity)), bob: toHex(encodeIdentity(bob.identity)) },
    bobCard: toHex(bob.card),
    messages,
    states: {
      initiatorPending: state(initiatorPending),
      responderSkipped: state(responderSkipped),
      responderChainDeleted: state(responderChainDeleted),
    },
  };
}
