/**
 * The golden sender-key states behind sender-key-state-v1.json (SPEC.md §12.2,
 * §12.5): Bob's receiver state holding skipped message-key seeds (Alice's
 * message 5 arrives first, then 2), each seed with the AEAD key and nonce it
 * expands to, and the state after the late messages used them up. All
 * randomness from the seeded RNG of ../helpers.ts; the associated data is that
 * of sender-key-v2.json. `stored` replays delivery from the committed messages.
 */
import {
  createSenderKey,
  decodeSenderKeyDistribution,
  deserializeSenderKeyReceiver,
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
import { GROUP_ID, SENDER } from './sender-key-group.ts';

export const SENDER_KEY_STATE_SEED = 'parley sender key state v1';
/** HKDF info of SPEC.md §12.2. */
const MESSAGE_KEY_INFO = text('Parley_SenderKey_v1_ChaCha20Poly1305');
const MESSAGES = 6;
/** Bob's delivery: 5 first (seeds 0..4 stored), then 2; the stored state is taken here. */
const BEFORE_SNAPSHOT: readonly number[] = [5, 2];
const AFTER_SNAPSHOT: readonly number[] = [0, 4, 1, 3];

/** A stored receiver state's fields as SPEC.md §12.5 names them, each seed with its §12.2 key and nonce. */
export interface DecodedReceiver {
  readonly keyId: number;
  readonly iteration: number;
  readonly chainKey: string;
  readonly signingPublic: string;
  readonly skipped: readonly { iteration: number; seed: string; key: string; nonce: string }[];
}

export interface SenderKeyStateVectors {
  readonly version: 1;
  readonly seed: string;
  readonly rng: string;
  readonly associatedData: string;
  readonly distributionToBob: string;
  readonly messages: readonly { iteration: number; plaintext: string; bytes: string }[];
  readonly delivery: {
    readonly beforeSnapshot: readonly number[];
    readonly afterSnapshot: readonly number[];
  };
  readonly alice: string;
  readonly receiverSkipped: { readonly bytes: string; readonly decoded: DecodedReceiver };
  readonly receiverEmptied: { readonly bytes: string; readonly decoded: DecodedReceiver };
}

/** What `deserializeSenderKeyReceiver` makes of stored bytes, with each seed's key and nonce. */
export function decodeReceiverFields(bytes: Uint8Array, p: Primitives): DecodedReceiver {
  const r = deserializeSenderKeyReceiver(bytes);
  return {
    keyId: r.keyId,
    iteration: r.iteration,
    chainKey: toHex(r.chainKey),
    signingPublic: toHex(r.signingPublic),
    skipped: [...r.skipped].map(([iteration, seed]) => {
      const okm = p.hkdfSha256(seed, new Uint8Array(32), MESSAGE_KEY_INFO, 44);
      return {
        iteration,
        seed: toHex(seed),
        key: toHex(okm.subarray(0, 32)),
        nonce: toHex(okm.subarray(32)),
      };
    }),
  };
}

export function runSenderKeyState(p: Primitives, stored?: readonly string[]): SenderKeyStateVectors {
  const rnd = seededRandom(SENDER_KEY_STATE_SEED);
  const ad = new Uint8Array([...text(GROUP_ID), ...text(SENDER)]);
  let alice = createSenderKey(rnd, p);
  const distributionToBob = senderKeyDistribution(alice, ad, p);
  const messages: { iteration: number; plaintext: string; bytes: string }[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const r = senderKeyEncrypt(alice, text(`group message ${i}`), ad, p);
    alice = r.state;
    messages.push({ iteration: i, plaintext: `group message ${i}`, bytes: toHex(r.message) });
  }
  const receive = (start: SenderKeyReceiver, order: readonly number[]): SenderKeyReceiver => {
    let r = start;
    for (const i of order) {
      const bytes = Uint8Array.from(Buffer.from(stored?.[i] ?? messages[i]!.bytes, 'hex'));
      const out = senderKeyDecrypt(r, bytes, ad, p);
      if (str(out.plaintext) !== messages[i]!.plaintext) throw new Error(`message ${i} decrypted wrongly`);
      r = out.receiver;
    }
    return r;
  };
  const skipped = receive(decodeSenderKeyDistribution(distributionToBob, ad, p), BEFORE_SNAPSHOT);
  const emptied = receive(skipped, AFTER_SNAPSHOT);
  const state = (r: SenderKeyReceiver) => {
    const bytes = serializeSenderKeyReceiver(r);
    return { bytes: toHex(bytes), decoded: decodeReceiverFields(bytes, p) };
  };
  return {
    version: 1,
    seed: SENDER_KEY_STATE_SEED,
    rng: 'block i = SHA-256(utf8(seed) || u32be(i)); output = block0 || block1 || ... consumed in order',
    associatedData: toHex(ad),
    distributionToBob: toHex(distributionToBob),
    messages,
    delivery: { beforeSnapshot: BEFORE_SNAPSHOT, afterSnapshot: AFTER_SNAPSHOT },
    alice: toHex(serializeSenderKey(alice)),
    receiverSkipped: state(skipped),
    receiverEmptied: state(emptied),
  };
}
