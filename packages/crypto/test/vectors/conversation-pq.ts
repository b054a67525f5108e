/**
 * The golden suite-2 conversation behind transcript-v2.json (SPEC.md §6.1.1, §6.4):
 * a hybrid handshake with a one-time X25519 prekey and a one-time ML-KEM-768
 * prekey, then enough turns for each party's second PQ chain (PQ_RATCHET_INTERVAL
 * = 4), with out-of-order delivery inside and across PQ steps, all driven by the
 * seeded RNG of ../helpers.ts. `stored` replays delivery from committed ciphertexts.
 */
import {
  acceptSession,
  decodeContactCard,
  decrypt,
  encodeIdentity,
  encodeKemPrekey,
  encodePrekey,
  encrypt,
  initiateSession,
  PQ_RATCHET_INTERVAL,
  type Primitives,
  type Session,
  serializeSession,
  toHex,
} from '../../src/index.ts';
import { makePqParty, type PqParty, pqLookup, seededRandom, str, text } from '../helpers.ts';

export const TRANSCRIPT_PQ_SEED = 'parley transcript v2 pq';

/** Who sends what; the comment names the sending chain and whether it is a PQ chain. */
const SCRIPT: readonly { readonly from: 'alice' | 'bob'; readonly text: string }[] = [
  { from: 'alice', text: 'A0 #0: hybrid prekey message' }, // A0 (handshake; KEM in the prefix)
  { from: 'alice', text: 'A0 #1: second prekey message' },
  { from: 'bob', text: 'B0 #0' }, // B0: PQ chain, Bob's first KEM key, no ciphertext
  { from: 'bob', text: 'B0 #1' },
  { from: 'alice', text: 'A1 #0' }, // A1: PQ chain, Alice's key + ciphertext to B0's key
  { from: 'alice', text: 'A1 #1' },
  { from: 'bob', text: 'B1 #0' }, // B1..B3, A2..A4: classical steps
  { from: 'alice', text: 'A2 #0' },
  { from: 'bob', text: 'B2 #0' },
  { from: 'alice', text: 'A3 #0' },
  { from: 'bob', text: 'B3 #0' },
  { from: 'alice', text: 'A4 #0' },
  { from: 'bob', text: 'B4 #0' }, // B4: PQ chain, Bob's new key + ciphertext to A1's key
  { from: 'bob', text: 'B4 #1' },
  { from: 'alice', text: 'A5 #0' }, // A5: PQ chain, ciphertext to B4's key
];
/** Delivery batches: B0 #1 before #0, A1 #1 first and A1 #0 after B1, B4 #1 before #0. */
const DELIVERY: readonly (readonly number[])[] = [
  [0],
  [1],
  [3, 2],
  [5],
  [6],
  [4],
  [7],
  [8],
  [9],
  [10],
  [11],
  [13, 12],
  [14],
];

export interface TranscriptPq {
  readonly version: 2;
  readonly seed: string;
  readonly rng: string;
  readonly pqRatchetInterval: number;
  readonly parties: Record<
    string,
    {
      identity: string;
      signedPrekey: string;
      oneTimePrekey: string;
      kemPrekey: string;
      oneTimeKemPrekey: string;
      card: string;
    }
  >;
  readonly messages: { from: string; plaintext: string; bytes: string }[];
  readonly delivery: readonly (readonly number[])[];
  readonly finalSessions: Record<string, string>;
}

function party(x: PqParty) {
  return {
    identity: toHex(encodeIdentity(x.identity)),
    signedPrekey: toHex(encodePrekey(x.spk)),
    oneTimePrekey: toHex(encodePrekey(x.otpks.get(100)!)),
    kemPrekey: toHex(encodeKemPrekey(x.kemPrekey)),
    oneTimeKemPrekey: toHex(encodeKemPrekey(x.kemOtpks.get(200)!)),
    card: toHex(x.card),
  };
}

export function runConversationPq(p: Primitives, stored?: readonly string[]): TranscriptPq {
  const rnd = seededRandom(TRANSCRIPT_PQ_SEED);
  const alice = makePqParty('alice', rnd, p, 1, 1);
  const bob = makePqParty('bob', rnd, p, 1, 1);
  const s: Record<'alice' | 'bob', Session | undefined> = {
    alice: initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p),
    bob: undefined,
  };
  const messages: TranscriptPq['messages'] = [];
  let next = 0;
  for (const batch of DELIVERY) {
    while (next <= Math.max(...batch)) {
      const { from, text: body } = SCRIPT[next]!;
      const r = encrypt(s[from]!, text(body), p);
      s[from] = r.session;
      messages.push({ from, plaintext: body, bytes: toHex(r.message) });
      next++;
    }
    for (const i of batch) {
      const m = messages[i]!;
      const bytes = Uint8Array.from(Buffer.from(stored?.[i] ?? m.bytes, 'hex'));
      const to = m.from === 'alice' ? 'bob' : 'alice';
      const r =
        s[to] === undefined
          ? acceptSession(bob.identity, pqLookup(bob), bytes, rnd, p)
          : decrypt(s[to]!, bytes, rnd, p);
      if (str(r.plaintext) !== m.plaintext) throw new Error(`message ${i} decrypted to the wrong plaintext`);
      s[to] = r.session;
    }
  }
  return {
    version: 2,
    seed: TRANSCRIPT_PQ_SEED,
    rng: 'block i = SHA-256(utf8(seed) || u32be(i)); output = block0 || block1 || ... consumed in order',
    pqRatchetInterval: PQ_RATCHET_INTERVAL,
    parties: { alice: party(alice), bob: party(bob) },
    messages,
    delivery: DELIVERY,
    finalSessions: { alice: toHex(serializeSession(s.alice!)), bob: toHex(serializeSession(s.bob!)) },
  };
}
