/**
 * X3DH key agreement (Signal, "The X3DH Key Agreement Protocol", rev. 1,
 * §3.3 sending, §3.4 receiving) with the suite-1 KDF of SPEC.md §6.1, and its
 * PQXDH extension (Signal, "The PQXDH Key Agreement Protocol", rev. 3, §3.3):
 * suite 2 appends an ML-KEM-768 shared secret to the KDF input and names the
 * suite in the KDF info (SPEC.md §6.1.1).
 * @module
 */
import { concat, utf8, wipe } from './bytes.ts';
import type { IdentityPublic } from './identity.ts';
import { KEY_BYTES, type Primitives } from './primitives.ts';

/** X3DH §2.2: F = 32 0xFF bytes prefixed to the DH outputs for X25519. */
const X3DH_F: Uint8Array = new Uint8Array(KEY_BYTES).fill(0xff);
/** HKDF salt: HashLen zero bytes (X3DH §2.2). */
const X3DH_SALT: Uint8Array = new Uint8Array(32);
/** HKDF info for suite 1 (SPEC.md §6.2). */
const X3DH_INFO: Uint8Array = utf8('Parley_X3DH_v1_X25519_SHA256_ChaCha20Poly1305');
/** HKDF info for suite 2 (SPEC.md §6.1.1): names the suite, so the two suites never share a key. */
const PQXDH_INFO: Uint8Array = utf8('Parley_PQXDH_v1_X25519_MLKEM768_SHA256_ChaCha20Poly1305');

/**
 * SK = HKDF-SHA256(ikm = F ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] [‖ SS], salt = 0^32, info, 32), with the suite-2
 * info when the ML-KEM shared secret SS is given (PQXDH rev. 3 §3.3: SS appended after the DH
 * outputs). Wipes the DH outputs and SS.
 */
export function x3dhSecret(p: Primitives, dhs: readonly Uint8Array[], kemSecret?: Uint8Array): Uint8Array {
  const ikm = kemSecret ? concat(X3DH_F, ...dhs, kemSecret) : concat(X3DH_F, ...dhs);
  const sk = p.hkdfSha256(ikm, X3DH_SALT, kemSecret ? PQXDH_INFO : X3DH_INFO, KEY_BYTES);
  wipe(ikm, ...dhs, kemSecret);
  return sk;
}

/** AD = Encode(IK_A) ‖ Encode(IK_B), each identity as Ed25519 key ‖ X25519 key (X3DH §3.3). */
export function x3dhAssociatedData(initiator: IdentityPublic, responder: IdentityPublic): Uint8Array {
  return concat(initiator.signingKey, initiator.agreementKey, responder.signingKey, responder.agreementKey);
}

/** Initiator's DH1..DH4 (X3DH §3.3). */
export function initiatorDhs(
  p: Primitives,
  keys: {
    readonly identitySecret: Uint8Array;
    readonly ephemeralSecret: Uint8Array;
    readonly remoteIdentityKey: Uint8Array;
    readonly signedPrekey: Uint8Array;
    readonly oneTimePrekey: Uint8Array | undefined;
  },
): Uint8Array[] {
  const dhs = [
    p.x25519(keys.identitySecret, keys.signedPrekey),
    p.x25519(keys.ephemeralSecret, keys.remoteIdentityKey),
    p.x25519(keys.ephemeralSecret, keys.signedPrekey),
  ];
  if (keys.oneTimePrekey) dhs.push(p.x25519(keys.ephemeralSecret, keys.oneTimePrekey));
  return dhs;
}

/** Responder's DH1..DH4 (X3DH §3.4), mirroring {@link initiatorDhs}. */
export function responderDhs(
  p: Primitives,
  keys: {
    readonly identitySecret: Uint8Array;
    readonly signedPrekeySecret: Uint8Array;
    readonly oneTimePrekeySecret: Uint8Array | undefined;
    readonly remoteIdentityKey: Uint8Array;
    readonly baseKey: Uint8Array;
  },
): Uint8Array[] {
  const dhs = [
    p.x25519(keys.signedPrekeySecret, keys.remoteIdentityKey),
    p.x25519(keys.identitySecret, keys.baseKey),
    p.x25519(keys.signedPrekeySecret, keys.baseKey),
  ];
  if (keys.oneTimePrekeySecret) dhs.push(p.x25519(keys.oneTimePrekeySecret, keys.baseKey));
  return dhs;
}
