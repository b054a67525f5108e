/**
 * Long-term identity (SPEC.md §3): TWO independent keys, an Ed25519 signing
 * key and an X25519 agreement key, rather than one key with an XEdDSA /
 * birational conversion — each key is used by exactly one algorithm, and both
 * have audited, native implementations. The signing key binds the agreement
 * key by a signature (the "binding"), carried in first messages, so a
 * responder learns a consistent pair from the message alone.
 * @module
 */
import { concat, equalBytes, failFormat, Reader, utf8, Writer, wipe } from './bytes.ts';
import { FormatError, KeyError } from './errors.ts';
import { KEY_BYTES, type Primitives } from './primitives.ts';
import { draw, type RandomSource } from './random.ts';
import { Redacted } from './redact.ts';

/** Version byte of the secret identity encoding. */
export const IDENTITY_ENCODING_VERSION = 1;
/** Domain separation for the binding signature (SPEC.md §3.1). */
const BINDING_DOMAIN: Uint8Array = utf8('Parley_IdentityBinding_v1');

/**
 * The public half of an identity.
 * @example const pub: IdentityPublic = identity.publicIdentity;
 */
export interface IdentityPublic {
  /** Ed25519 public key, 32 bytes. */
  readonly signingKey: Uint8Array;
  /** X25519 public key, 32 bytes. */
  readonly agreementKey: Uint8Array;
}

/** Bytes the binding signature covers: domain ‖ Ed25519 public ‖ X25519 public. */
export function bindingMessage(pub: IdentityPublic): Uint8Array {
  return concat(BINDING_DOMAIN, pub.signingKey, pub.agreementKey);
}

/**
 * A long-term secret identity. Prints `[redacted]`.
 * @example const alice = createIdentity(systemRandom);
 */
export class Identity extends Redacted {
  /** Ed25519 secret seed (RFC 8032 §5.1.5), 32 bytes. */
  readonly signingSecret: Uint8Array;
  /** X25519 secret scalar (RFC 7748 §5), 32 bytes. */
  readonly agreementSecret: Uint8Array;
  /** The public keys. */
  readonly publicIdentity: IdentityPublic;
  /** Ed25519 signature over {@link bindingMessage}. */
  readonly binding: Uint8Array;
  constructor(signingSecret: Uint8Array, agreementSecret: Uint8Array, p: Primitives) {
    super();
    this.signingSecret = signingSecret;
    this.agreementSecret = agreementSecret;
    this.publicIdentity = Object.freeze({
      signingKey: p.ed25519PublicKey(signingSecret),
      agreementKey: p.x25519PublicKey(agreementSecret),
    });
    this.binding = p.ed25519Sign(signingSecret, bindingMessage(this.publicIdentity));
    Object.freeze(this);
  }
}

/**
 * Generate a fresh identity from injected randomness.
 * @example const alice = createIdentity(systemRandom, nodePrimitives);
 */
export function createIdentity(random: RandomSource, p: Primitives): Identity {
  return new Identity(draw(random, KEY_BYTES), draw(random, KEY_BYTES), p);
}

/**
 * Secret identity encoding: version(1)=1 ‖ Ed25519 seed(32) ‖ X25519 secret(32).
 * Core encrypts it at rest.
 * @example const bytes = encodeIdentity(alice); // 65 bytes
 */
export function encodeIdentity(identity: Identity): Uint8Array {
  const w = new Writer(1 + 2 * KEY_BYTES);
  w.u8(IDENTITY_ENCODING_VERSION);
  w.bytes(identity.signingSecret);
  w.bytes(identity.agreementSecret);
  return w.finish();
}

/**
 * Inverse of {@link encodeIdentity}; recomputes the public keys and binding.
 * @example const alice = decodeIdentity(bytes, noblePrimitives);
 */
export function decodeIdentity(bytes: Uint8Array, p: Primitives): Identity {
  const r = new Reader(bytes, failFormat);
  if (r.u8('identity version') !== IDENTITY_ENCODING_VERSION) {
    throw new FormatError('bad-version', 'unknown identity encoding version');
  }
  const signing = r.bytesN(KEY_BYTES, 'identity signing secret');
  const agreement = r.bytesN(KEY_BYTES, 'identity agreement secret');
  r.end('identity');
  return new Identity(signing, agreement, p);
}

/** Check the 32-byte lengths of a public identity (API edge). */
export function checkIdentityPublic(pub: IdentityPublic): void {
  if (pub.signingKey?.length !== KEY_BYTES || pub.agreementKey?.length !== KEY_BYTES) {
    throw new KeyError('bad-key-length', 'identity public keys must be 32 bytes each');
  }
}

/**
 * Constant-time equality of two public identities.
 * @example if (!sameIdentity(msgSender, contact.identity)) warnKeyChange();
 */
export function sameIdentity(a: IdentityPublic, b: IdentityPublic): boolean {
  const s = equalBytes(a.signingKey, b.signingKey);
  const k = equalBytes(a.agreementKey, b.agreementKey);
  return s && k;
}

/**
 * Best-effort wipe of an identity's secret bytes (see README "Memory").
 * @example wipeIdentity(oldIdentity);
 */
export function wipeIdentity(identity: Identity): void {
  wipe(identity.signingSecret, identity.agreementSecret);
}
