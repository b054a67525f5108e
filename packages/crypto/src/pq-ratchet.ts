/**
 * The post-quantum ratchet of suite 2 (SPEC.md §6.4): periodic ML-KEM-768
 * rekeying in the style of Apple's PQ3, riding on the Double Ratchet's DH
 * steps. Every {@link PQ_RATCHET_INTERVAL}-th sending chain of a party is a
 * "PQ chain": it carries a fresh ML-KEM-768 ratchet key of the sender and an
 * encapsulation to the peer's latest one, and the KEM secret enters the root
 * KDF together with that step's DH output. The DH ratchet is lock-step (a
 * party starts a chain only after reading the peer's newest), so the peer's
 * latest key is always the one the receiver still holds: one own key pair and
 * one remote key suffice.
 * @module
 */
import { DecryptError } from './errors.ts';
import { freshEncapsulation, freshMlKem } from './fresh-keys.ts';
import { kem } from './kem-prekeys.ts';
import { encodePqFields, type PqFields } from './message.ts';
import type { Primitives } from './primitives.ts';
import type { RandomSource } from './random.ts';

/**
 * A party's sending chain is a PQ chain once every this many of its DH ratchet
 * steps (1 = every step). After a state compromise, a quantum adversary
 * following the session loses it at the compromised party's next PQ chain,
 * i.e. within this many of its chains (SPEC.md §6.4 gives the bound).
 */
export const PQ_RATCHET_INTERVAL = 4;

/** The PQ ratchet's part of a suite-2 session (SPEC.md §6.5). Absent on suite-1 sessions. */
export interface PqRatchetState {
  /** Own DH ratchet steps left before the next PQ chain: 0 = the next sending chain is one. */
  readonly countdown: number;
  /** Seed d ‖ z (64) of the own ML-KEM-768 ratchet key the peer encapsulates to; none before the first PQ chain. */
  readonly seed: Uint8Array | undefined;
  /**
   * The expanded dk of `seed`, kept in memory only (recomputed from the seed after decoding); none
   * where the backend decapsulates by seed (`mlkem768DecapsulateSeed`, node with the system CSPRNG).
   */
  readonly decapsulationKey: Uint8Array | undefined;
  /** The peer's latest ML-KEM-768 ratchet encapsulation key (1,184); none before its first PQ chain. */
  readonly remoteKey: Uint8Array | undefined;
  /** The PQ fields (SPEC.md §5.3) sent with every message of the current sending chain, if a PQ chain. */
  readonly sendFields: Uint8Array | undefined;
}

/**
 * The state of a new suite-2 session, the initiator's: its first DH step (its second chain) makes
 * a PQ chain. The hybrid handshake already keys the first chains post-quantum.
 */
export const INITIAL_PQ_STATE: PqRatchetState = Object.freeze({
  countdown: 0,
  seed: undefined,
  decapsulationKey: undefined,
  remoteKey: undefined,
  sendFields: undefined,
});

/**
 * The responder's: its first chain (made by acceptSession) is classical, its second a PQ chain
 * that already encapsulates to the initiator's first KEM key (SPEC.md §6.4). A responder that only
 * ever answers on its first chain — an admin's one-way copies to a large group's members — sends
 * no PQ fields at all, where a key-only PQ chain would add 1,185 bytes to every message.
 */
export const INITIAL_RESPONDER_PQ_STATE: PqRatchetState = Object.freeze({
  ...INITIAL_PQ_STATE,
  countdown: 1,
});

/**
 * Receiving half of a DH step: decapsulate the incoming chain's ciphertext with
 * the own ratchet key and remember the sender's new key. Returns the KEM secret
 * for KDF_RK, or undefined for a classical chain. A ciphertext with no own key
 * to open it (never sent one) is a DecryptError.
 */
export function pqReceive(
  state: PqRatchetState,
  fields: PqFields | undefined,
  p: Primitives,
): { readonly state: PqRatchetState; readonly secret: Uint8Array | undefined } {
  if (!fields) return { state, secret: undefined };
  let secret: Uint8Array | undefined;
  let { decapsulationKey } = state;
  if (fields.ciphertext) {
    if (!state.seed) throw new DecryptError();
    const k = kem(p);
    if (!decapsulationKey && p.mlkem768DecapsulateSeed) {
      secret = p.mlkem768DecapsulateSeed(state.seed, fields.ciphertext);
    } else {
      decapsulationKey ??= k.mlkem768Keygen(state.seed).decapsulationKey;
      secret = k.mlkem768Decapsulate(decapsulationKey, fields.ciphertext);
    }
  }
  return { state: { ...state, decapsulationKey, remoteKey: fields.encapsulationKey }, secret };
}

/**
 * Sending half of a DH step, after the new DH key is drawn: on a PQ chain draw
 * a new KEM seed (64), then, if the peer's key is known, the encapsulation
 * randomness m (32). Returns the KEM secret for KDF_RK, or undefined.
 */
export function pqSend(
  state: PqRatchetState,
  random: RandomSource,
  p: Primitives,
): { readonly state: PqRatchetState; readonly secret: Uint8Array | undefined } {
  if (state.countdown > 0) {
    return { state: { ...state, countdown: state.countdown - 1, sendFields: undefined }, secret: undefined };
  }
  kem(p); // a backend without ML-KEM fails here, before any draw
  const { seed, encapsulationKey, decapsulationKey } = freshMlKem(random, p);
  const out = state.remoteKey ? freshEncapsulation(random, p, state.remoteKey) : undefined;
  const fields = out ? { encapsulationKey, ciphertext: out.ciphertext } : { encapsulationKey };
  const next: PqRatchetState = {
    countdown: PQ_RATCHET_INTERVAL - 1,
    seed,
    decapsulationKey,
    remoteKey: state.remoteKey,
    sendFields: encodePqFields(fields),
  };
  return { state: next, secret: out?.sharedSecret };
}
