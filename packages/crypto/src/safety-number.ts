/**
 * Safety numbers (SPEC.md §8), after Signal's NumericFingerprintGenerator:
 * each side's fingerprint is SHA-512 iterated 5,200 times over
 * version ‖ identity key ‖ stable id; the 60 digits are the two 30-digit
 * halves in sorted order, so both sides read the same number. The QR payload
 * carries both raw fingerprints for a scan-to-compare.
 * @module
 */
import { concat, equalBytes, utf8 } from './bytes.ts';
import { FormatError } from './errors.ts';
import type { IdentityPublic } from './identity.ts';
import type { Primitives } from './primitives.ts';

/** Fingerprint format version (first two bytes hashed, first byte of the QR payload). */
export const SAFETY_NUMBER_VERSION = 1;
/** SHA-512 iterations per fingerprint (Signal: 5,200). */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Bytes of each fingerprint in the QR payload. */
export const FINGERPRINT_QR_BYTES = 32;
/** QR payload size: version ‖ sender's fingerprint ‖ other's fingerprint. */
export const SAFETY_QR_BYTES: number = 1 + 2 * FINGERPRINT_QR_BYTES;

/** One party: its public identity and its stable id (the libp2p PeerId string). */
export interface SafetyNumberParty {
  readonly identity: IdentityPublic;
  readonly peerId: string;
}

/**
 * A safety number as shown to people and encoded in QR codes.
 * @example const { groups } = safetyNumber(me, contact, p); // 12 groups of 5 digits
 */
export interface SafetyNumber {
  /** 60 decimal digits. */
  readonly digits: string;
  /** The digits as 12 groups of 5, for reading aloud. */
  readonly groups: readonly string[];
  /** version ‖ our fingerprint ‖ their fingerprint (65 bytes), for our QR code. */
  readonly qrPayload: Uint8Array;
}

function fingerprint(party: SafetyNumberParty, p: Primitives): Uint8Array {
  const key = concat(party.identity.signingKey, party.identity.agreementKey);
  let h = p.sha512(concat(Uint8Array.of(0, SAFETY_NUMBER_VERSION), key, utf8(party.peerId)));
  const buf = new Uint8Array(64 + key.length);
  buf.set(key, 64);
  for (let i = 0; i < SAFETY_NUMBER_ITERATIONS; i++) {
    buf.set(h, 0);
    h = p.sha512(buf);
  }
  return h;
}

/** 30 digits: six 5-byte big-endian chunks, each mod 100,000 (Signal). */
function digitsOf(fp: Uint8Array): string {
  let out = '';
  for (let i = 0; i < 30; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) v = v * 256 + fp[i + j]!;
    out += String(v % 100_000).padStart(5, '0');
  }
  return out;
}

/**
 * The safety number of two parties; the digits are the same on both sides.
 * @example
 * const mine = safetyNumber({ identity: me.publicIdentity, peerId: myPeerId }, { identity: card.identity, peerId: card.peerId }, p);
 */
export function safetyNumber(
  ours: SafetyNumberParty,
  theirs: SafetyNumberParty,
  p: Primitives,
): SafetyNumber {
  const local = fingerprint(ours, p);
  const remote = fingerprint(theirs, p);
  const a = digitsOf(local);
  const b = digitsOf(remote);
  const digits = a <= b ? a + b : b + a;
  const groups = Object.freeze(digits.match(/\d{5}/g) ?? []);
  const qrPayload = concat(
    Uint8Array.of(SAFETY_NUMBER_VERSION),
    local.subarray(0, FINGERPRINT_QR_BYTES),
    remote.subarray(0, FINGERPRINT_QR_BYTES),
  );
  return Object.freeze({ digits, groups, qrPayload });
}

/**
 * Compare a scanned QR payload (the other side's) with ours, in constant time:
 * their "ours" must be our "theirs" and vice versa. Throws FormatError if malformed.
 * @example if (verifySafetyNumberQr(mine, scanned)) markVerified(contact);
 */
export function verifySafetyNumberQr(ours: SafetyNumber, scanned: Uint8Array): boolean {
  if (scanned.length !== SAFETY_QR_BYTES)
    throw new FormatError('bad-length', 'safety number QR payload length');
  if (scanned[0] !== SAFETY_NUMBER_VERSION) throw new FormatError('bad-version', 'safety number version');
  const mid = 1 + FINGERPRINT_QR_BYTES;
  const x = equalBytes(scanned.subarray(1, mid), ours.qrPayload.subarray(mid));
  const y = equalBytes(scanned.subarray(mid), ours.qrPayload.subarray(1, mid));
  return x && y;
}
