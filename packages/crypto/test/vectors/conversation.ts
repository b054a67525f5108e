/**
 * The golden conversation behind transcript-v1.json: handshake with a
 * one-time prekey, both directions, out-of-order delivery and skipped keys,
 * all driven by the seeded RNG of ../helpers.ts. `stored` replays delivery from
 * the committed ciphertexts instead of the freshly produced ones.
 */
import {
  acceptSession,
  decodeContactCard,
  decrypt,
  encodeIdentity,
  encodePrekey,
  encrypt,
  initiateSession,
  type Primitives,
  type Session,
  serializeSession,
  toHex,
} from '../../src/index.ts';
import { lookup, makeParty, seededRandom, str, text } from '../helpers.ts';

export const TRANSCRIPT_SEED = 'parley transcript v1';

/** Who sends what, then the order in which the recipient receives it. */
const SCRIPT: readonly { readonly from: 'alice' | 'bob'; readonly text: string }[] = [
  { from: 'alice', text: 'hi bob, this is the first (prekey) message' },
  { from: 'alice', text: 'second prekey message, before any reply' },
  { from: 'bob', text: 'hello alice' },
  { from: 'bob', text: 'bob 2' },
  { from: 'bob', text: 'bob 3' },
  { from: 'bob', text: 'bob 4' },
  { from: 'alice', text: 'alice after the ratchet step' },
  { from: 'alice', text: 'alice 2' },
  { from: 'bob', text: 'bob on a new chain' },
];
/** Indices of SCRIPT in delivery order: bob 3 arrives last, alice 2 before alice 1. */
const DELIVERY: readonly (readonly number[])[] = [[0], [1], [3, 2], [5], [7, 6], [8], [4]];

export interface Transcript {
  readonly version: 1;
  readonly seed: string;
  readonly rng: string;
  readonly parties: Record<
    string,
    { identity: string; signedPrekey: string; oneTimePrekey: string; card: string }
  >;
  readonly messages: { from: string; plaintext: string; bytes: string }[];
  readonly delivery: readonly (readonly number[])[];
  readonly finalSessions: Record<string, string>;
}

export function runConversation(p: Primitives, stored?: readonly string[]): Transcript {
  const rnd = seededRandom(TRANSCRIPT_SEED);
  const alice = makeParty('alice', rnd, p, 1);
  const bob = makeParty('bob', rnd, p, 1);
  const s: Record<'alice' | 'bob', Session | undefined> = {
    alice: initiateSession(alice.identity, decodeContactCard(bob.card, p), rnd, p),
    bob: undefined,
  };
  const messages: Transcript['messages'] = [];
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
          ? acceptSession(bob.identity, lookup(bob), bytes, rnd, p)
          : decrypt(s[to]!, bytes, rnd, p);
      if (str(r.plaintext) !== m.plaintext) throw new Error(`message ${i} decrypted to the wrong plaintext`);
      s[to] = r.session;
    }
  }
  const party = (x: typeof alice) => ({
    identity: toHex(encodeIdentity(x.identity)),
    signedPrekey: toHex(encodePrekey(x.spk)),
    oneTimePrekey: toHex(encodePrekey(x.otpks.get(100)!)),
    card: toHex(x.card),
  });
  return {
    version: 1,
    seed: TRANSCRIPT_SEED,
    rng: 'block i = SHA-256(utf8(seed) || u32be(i)); output = block0 || block1 || ... consumed in order',
    parties: { alice: party(alice), bob: party(bob) },
    messages,
    delivery: DELIVERY,
    finalSessions: { alice: toHex(serializeSession(s.alice!)), bob: toHex(serializeSession(s.bob!)) },
  };
}
