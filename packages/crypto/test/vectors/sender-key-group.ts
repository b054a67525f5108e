/**
 * The golden group scenario behind sender-key-v2.json: Alice creates a sender
 * key, distributes it to Bob (from iteration 0) and, after two messages, to
 * Carol — late delivery to a member of the same membership, not a membership
 * change, which would create a new key (SPEC.md §12.1); Bob receives out of
 * order (skipped keys), Carol only from her distribution on. All randomness
 * from the seeded RNG of ../helpers.ts.
 * `stored` replays delivery from the committed messages instead of fresh ones.
 *
 * The same seed and draws as version 1 (sender-key-v1.json): only the message
 * signatures and the distributions changed (SPEC.md §12), so the chain and the
 * stored states it ends with are byte-for-byte those of version 1.
 */
import {
  createSenderKey,
  decodeSenderKeyDistribution,
  type Primitives,
  type SenderKeyReceiver,
  senderKeyDecrypt,
  senderKeyDistribution,
  senderKeyEncrypt,
  serializeSenderKey,
  serializeSenderKeyReceiver,
  toHex,
} from '../../src/index.ts';
import { seededRandom, str, text } from '../helpers.ts';

export const SENDER_KEY_SEED = 'parley sender key v1';
/** The caller's associated data is the group id ‖ the sender's id (as core binds them). */
export const GROUP_ID = 'parley-golden-group';
export const SENDER = 'alice';

const TEXTS: readonly string[] = [
  'hello group',
  'second message',
  'carol joins before this one',
  '',
  'last message: a bit longer, so the ciphertext spans more than one ChaCha20 block of 64 bytes',
];
/** Bob's delivery order (message 1 and 3 late); Carol gets 2.. in order. */
const BOB_ORDER: readonly number[] = [0, 2, 3, 1, 4];
const CAROL_ORDER: readonly number[] = [2, 3, 4];

export interface SenderKeyVectors {
  readonly version: 2;
  readonly seed: string;
  readonly rng: string;
  readonly groupId: string;
  readonly sender: string;
  /** Hex of what both the AEAD and the signatures bind: utf8(groupId) ‖ utf8(sender). */
  readonly associatedData: string;
  readonly kdf: string;
  readonly distributionToBob: string;
  readonly distributionToCarol: string;
  readonly messages: { iteration: number; plaintext: string; bytes: string }[];
  readonly delivery: { bob: readonly number[]; carol: readonly number[] };
  readonly final: { alice: string; bob: string; carol: string };
}

export function runSenderKeyGroup(p: Primitives, stored?: readonly string[]): SenderKeyVectors {
  const rnd = seededRandom(SENDER_KEY_SEED);
  const ad = new Uint8Array([...text(GROUP_ID), ...text(SENDER)]);
  let alice = createSenderKey(rnd, p);
  const distributionToBob = senderKeyDistribution(alice, ad, p);
  let distributionToCarol: Uint8Array = new Uint8Array(0);
  const messages: SenderKeyVectors['messages'] = [];
  for (const [i, t] of TEXTS.entries()) {
    if (i === 2) distributionToCarol = senderKeyDistribution(alice, ad, p);
    const r = senderKeyEncrypt(alice, text(t), ad, p);
    alice = r.state;
    messages.push({ iteration: i, plaintext: t, bytes: toHex(r.message) });
  }
  const wire = stored ?? messages.map((m) => m.bytes);
  const receive = (start: SenderKeyReceiver, order: readonly number[]): SenderKeyReceiver => {
    let r = start;
    for (const i of order) {
      const out = senderKeyDecrypt(r, Uint8Array.from(Buffer.from(wire[i]!, 'hex')), ad, p);
      if (str(out.plaintext) !== TEXTS[i]) throw new Error(`message ${i} decrypted wrongly`);
      r = out.receiver;
    }
    return r;
  };
  const bob = receive(decodeSenderKeyDistribution(distributionToBob, ad, p), BOB_ORDER);
  const carol = receive(decodeSenderKeyDistribution(distributionToCarol, ad, p), CAROL_ORDER);
  return {
    version: 2,
    seed: SENDER_KEY_SEED,
    rng: 'block i = SHA-256(utf8(seed) || u32be(i)); output = block0 || block1 || ... consumed in order',
    groupId: GROUP_ID,
    sender: SENDER,
    associatedData: toHex(ad),
    kdf: 'seed = HMAC(ck, 01), ck\' = HMAC(ck, 02); key || nonce = HKDF(seed, 00*32, "Parley_SenderKey_v1_ChaCha20Poly1305", 44)',
    distributionToBob: toHex(distributionToBob),
    distributionToCarol: toHex(distributionToCarol),
    messages,
    delivery: { bob: BOB_ORDER, carol: CAROL_ORDER },
    final: {
      alice: toHex(serializeSenderKey(alice)),
      bob: toHex(serializeSenderKeyReceiver(bob)),
      carol: toHex(serializeSenderKeyReceiver(carol)),
    },
  };
}
