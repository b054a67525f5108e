/**
 * At-rest encryption of secrets and message bodies (DESIGN.md §5 "At rest").
 *
 * The storage key is 32 bytes, derived from the user's passphrase with scrypt
 * (N = 2^17, r = 8, p = 1: 128 MiB, ~0.8 s here in pure JS, so guessing costs
 * an attacker the same per try) or, when the user chooses no passphrase, read
 * from a random key file kept beside the database (0600) — then the data is
 * only as safe as that file.
 *
 * Each value is sealed with XChaCha20-Poly1305 under a fresh random 24-byte
 * nonce (the backend's when it has one — native on Node, ~8 µs less per 1 KiB
 * body than noble's — else noble's; both give the same bytes), with a label as associated data (e.g. `session:<contactId>`) so one
 * sealed value cannot be swapped in for another record. Layout:
 *   sealed = 0x01 (version) || nonce (24) || ciphertext || tag (16)
 * The vault header (kdf parameters, salt, a sealed check value that tells a
 * wrong passphrase from a right one) is stored unencrypted in the store's meta.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import type { Primitives, RandomSource } from '@parley/crypto';
import { concat, fromUtf8, utf8 } from './bytes.ts';
import { CoreError } from './errors.ts';
import { redact } from './redact.ts';

export const VAULT_KEY_BYTES = 32;
export const VAULT_SALT_BYTES = 16;
export const VAULT_NONCE_BYTES = 24;
const SEALED_VERSION = 1;
const HEADER_VERSION = 1;
const CHECK_LABEL = 'vault-check';
const CHECK_TEXT = 'parley vault v1';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Documented scrypt parameters (RFC 7914): 128 MiB of memory per guess. */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

export type VaultKdf = 'scrypt' | 'keyfile';

export interface VaultHeader {
  readonly version: 1;
  readonly kdf: VaultKdf;
  readonly salt: Uint8Array;
  readonly scrypt: ScryptParams;
  readonly check: Uint8Array;
}

export interface Vault {
  seal(label: string, plaintext: Uint8Array): Uint8Array;
  /** Throws CoreError('locked') after lock(); a tampered value throws CoreError('bad-input'). */
  open(label: string, sealed: Uint8Array): Uint8Array;
  /** Wipes the key (best effort: JS cannot guarantee no copies remain). */
  lock(): void;
}

export interface VaultSecret {
  /** Either a passphrase (scrypt) … */
  readonly passphrase?: string;
  /** … or the 32 bytes of a key file. */
  readonly keyFile?: Uint8Array;
}

type XAead = Pick<Required<Primitives>, 'xaeadSeal' | 'xaeadOpen'>;

const nobleXAead: XAead = {
  xaeadSeal: (k, n, pt, ad) => xchacha20poly1305(k, n, ad).encrypt(pt),
  xaeadOpen: (k, n, ct, ad) => {
    try {
      return xchacha20poly1305(k, n, ad).decrypt(ct);
    } catch {
      return undefined;
    }
  },
};

function xaeadOf(primitives: Primitives | undefined): XAead {
  const { xaeadSeal, xaeadOpen } = primitives ?? {};
  return xaeadSeal && xaeadOpen ? { xaeadSeal, xaeadOpen } : nobleXAead;
}

function vaultFromKey(key: Uint8Array, random: RandomSource, aead: XAead): Vault {
  let live: Uint8Array | undefined = key;
  const current = (): Uint8Array => {
    if (!live) throw new CoreError('locked', 'the account is locked; unlock it first');
    return live;
  };
  const vault: Vault = {
    seal(label, plaintext) {
      const nonce = random(VAULT_NONCE_BYTES);
      const body = aead.xaeadSeal(current(), nonce, plaintext, utf8(label));
      return concat(Uint8Array.of(SEALED_VERSION), nonce, body);
    },
    open(label, sealed) {
      const key = current();
      if (sealed.length < 1 + VAULT_NONCE_BYTES + 16 || sealed[0] !== SEALED_VERSION) {
        throw new CoreError('bad-input', `stored value "${label}" is damaged`);
      }
      const nonce = sealed.subarray(1, 1 + VAULT_NONCE_BYTES);
      const plaintext = aead.xaeadOpen(key, nonce, sealed.subarray(1 + VAULT_NONCE_BYTES), utf8(label));
      if (plaintext) return plaintext;
      throw new CoreError('bad-input', `stored value "${label}" is damaged or was sealed with another key`);
    },
    lock() {
      live?.fill(0);
      live = undefined;
    },
  };
  return redact(vault);
}

async function deriveKey(
  kdf: VaultKdf,
  salt: Uint8Array,
  params: ScryptParams,
  secret: VaultSecret,
): Promise<Uint8Array> {
  if (kdf === 'keyfile') {
    if (secret.keyFile?.length !== VAULT_KEY_BYTES) {
      throw new CoreError(
        'wrong-passphrase',
        'this account is protected by a key file; the key file is missing or not 32 bytes',
      );
    }
    return secret.keyFile.slice();
  }
  if (secret.passphrase === undefined) {
    throw new CoreError(
      'wrong-passphrase',
      'this account is protected by a passphrase; give the passphrase to unlock it',
    );
  }
  return scryptAsync(utf8(secret.passphrase.normalize('NFKC')), salt, {
    ...params,
    dkLen: VAULT_KEY_BYTES,
    maxmem: 2 ** 28,
  });
}

/** Creates a new vault; returns it with the header to store. `primitives` supplies a faster XChaCha20-Poly1305 if it has one. */
export async function createVault(
  secret: VaultSecret,
  random: RandomSource,
  primitives?: Primitives,
): Promise<{ vault: Vault; header: Uint8Array }> {
  const kdf: VaultKdf = secret.keyFile ? 'keyfile' : 'scrypt';
  const salt = random(VAULT_SALT_BYTES);
  const vault = vaultFromKey(await deriveKey(kdf, salt, SCRYPT_PARAMS, secret), random, xaeadOf(primitives));
  const check = vault.seal(CHECK_LABEL, utf8(CHECK_TEXT));
  return {
    vault,
    header: encodeHeader({ version: HEADER_VERSION, kdf, salt, scrypt: SCRYPT_PARAMS, check }),
  };
}

/** Opens a vault from its stored header; a wrong passphrase or key file throws CoreError('wrong-passphrase'). */
export async function unlockVault(
  headerBytes: Uint8Array,
  secret: VaultSecret,
  random: RandomSource,
  primitives?: Primitives,
): Promise<Vault> {
  const header = decodeHeader(headerBytes);
  const vault = vaultFromKey(
    await deriveKey(header.kdf, header.salt, header.scrypt, secret),
    random,
    xaeadOf(primitives),
  );
  try {
    if (fromUtf8(vault.open(CHECK_LABEL, header.check)) === CHECK_TEXT) return vault;
  } catch {
    // fall through
  }
  vault.lock();
  throw new CoreError(
    'wrong-passphrase',
    header.kdf === 'keyfile'
      ? 'the key file does not open this account'
      : 'wrong passphrase; nothing was changed — try again',
  );
}

/** Which secret a stored vault needs. */
export function vaultKdf(headerBytes: Uint8Array): VaultKdf {
  return decodeHeader(headerBytes).kdf;
}

// Header: version(1) kdf(1: 1=scrypt, 2=keyfile) log2N(1) r(1) p(1) salt(16) checkLen(2) check
function encodeHeader(h: VaultHeader): Uint8Array {
  const fixed = Uint8Array.of(
    h.version,
    h.kdf === 'scrypt' ? 1 : 2,
    Math.log2(h.scrypt.N),
    h.scrypt.r,
    h.scrypt.p,
  );
  const len = Uint8Array.of(h.check.length >> 8, h.check.length & 0xff);
  return concat(fixed, h.salt, len, h.check);
}

function decodeHeader(bytes: Uint8Array): VaultHeader {
  const bad = (): never => {
    throw new CoreError(
      'bad-input',
      'the account vault header is damaged; restore the data folder from a backup',
    );
  };
  if (bytes.length < 5 + VAULT_SALT_BYTES + 2 || bytes[0] !== HEADER_VERSION) bad();
  const kdfByte = bytes[1];
  const log2N = bytes[2] as number;
  const r = bytes[3] as number;
  const p = bytes[4] as number;
  if ((kdfByte !== 1 && kdfByte !== 2) || log2N < 10 || log2N > 22 || r < 1 || r > 32 || p < 1 || p > 16)
    bad();
  const salt = bytes.slice(5, 5 + VAULT_SALT_BYTES);
  const checkLen = ((bytes[5 + VAULT_SALT_BYTES] as number) << 8) | (bytes[6 + VAULT_SALT_BYTES] as number);
  const check = bytes.slice(7 + VAULT_SALT_BYTES);
  if (check.length !== checkLen) bad();
  return {
    version: 1,
    kdf: kdfByte === 1 ? 'scrypt' : 'keyfile',
    salt,
    scrypt: { N: 2 ** log2N, r, p },
    check,
  };
}
