/**
 * At-rest encryption of secrets and message bodies (DESIGN.md §5 "At rest").
 *
 * The storage key is 32 bytes, derived from the user's passphrase with scrypt
 * (N = 2^17, r = 8, p = 1: 128 MiB, ~0.8 s here in pure JS, so guessing costs
 * an attacker the same per try) or, when the user chooses no passphrase, read
 * from a random key file kept beside the database (0600) — then the data is
 * only as safe as that file.
 *
 * Each value is sealed with ChaCha20-Poly1305 (RFC 8439) under a subkey,
 * with a label as associated data (e.g. `session:<contactId>`) so one sealed
 * value cannot be swapped in for another record. Layout (version 2):
 *   subkey = HKDF-SHA256(ikm = storage key, salt, info = "Parley_Vault_v2", 32)
 *   sealed = 0x02 || salt (16) || nonce (12) || ciphertext || tag (16)
 *   nonce  = 0x00000000 || counter (8 bytes, big-endian)
 * A vault draws a fresh random salt the first time it seals (so once per
 * unlock, and again after 2^32 seals) and counts nonces up from 0 under that
 * subkey: a (subkey, nonce) pair is never used twice unless two random 128-bit
 * salts collide. This is ChaCha20-Poly1305 on a reused key, which node:crypto
 * runs natively: a 1 KiB body costs ~8 µs here, XChaCha20-Poly1305 ~14 µs
 * (HChaCha20 per value, in JavaScript) and noble's ~20 µs.
 * Version 1, still opened: 0x01 || nonce (24) || XChaCha20-Poly1305 ciphertext || tag (16)
 * under the storage key itself, with a random nonce.
 * The vault header (kdf parameters, salt, a sealed check value that tells a
 * wrong passphrase from a right one) is not secret: the daemon keeps it in a
 * file beside the database (the database itself is encrypted under a key the
 * vault derives, so the header must be readable first); the in-memory store
 * and databases from before page encryption keep it in the store's meta.
 *
 * Keys for other purposes come from the storage key by HKDF with a label:
 *   key(purpose) = HKDF-SHA256(ikm = storage key, salt = "", info = "Parley_Key_v1:" ‖ purpose, 32)
 * e.g. purpose "database" is the page-encryption key of the account's SQLite file.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import type { Primitives, RandomSource } from '@parley/crypto';
import { CoreError, concat, fromUtf8, redact, toHex, utf8 } from '../base/index.ts';

export const VAULT_KEY_BYTES = 32;
export const VAULT_SALT_BYTES = 16;
export const VAULT_NONCE_BYTES = 24;
const SEALED_V1 = 1;
const SEALED_V2 = 2;
const TAG_BYTES = 16;
/** ChaCha20-Poly1305 nonce, bytes. */
const V2_NONCE_BYTES = 12;
/** version || salt || nonce */
const V2_HEADER_BYTES = 1 + VAULT_SALT_BYTES + V2_NONCE_BYTES;
const SUBKEY_INFO: Uint8Array = utf8('Parley_Vault_v2');
const PURPOSE_INFO = 'Parley_Key_v1:';
/** Purposes are short ASCII labels (they are HKDF info, and part of the format). */
const PURPOSE = /^[a-z][a-z0-9-]{0,31}$/;
/** Seals under one subkey before a fresh salt is drawn (the nonce counter never wraps). */
const SUBKEY_MAX_SEALS = 2 ** 32;
/** Subkeys kept for opening (one per salt: a salt per unlock, so few). */
const OPENED_SUBKEYS = 64;
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
  /** A 32-byte key for `purpose` (e.g. "database"), derived from the storage key; the caller wipes it. */
  deriveKey(purpose: string): Uint8Array;
  /** Wipes the key (best effort: JS cannot guarantee no copies remain). */
  lock(): void;
}

export interface VaultSecret {
  /** Either a passphrase (scrypt) … */
  readonly passphrase?: string;
  /** … or the 32 bytes of a key file. */
  readonly keyFile?: Uint8Array;
}

/** XChaCha20-Poly1305 for v1 values: the backend's (native on Node) if it has one, else noble's. */
function xaeadOpenOf(primitives: Primitives): NonNullable<Primitives['xaeadOpen']> {
  return (
    primitives.xaeadOpen ??
    ((k, n, ct, ad) => {
      try {
        return xchacha20poly1305(k, n, ad).decrypt(ct);
      } catch {
        return undefined;
      }
    })
  );
}

/** A v2 sealing key: HKDF of the storage key with a random salt, and the next nonce. */
interface Subkey {
  readonly salt: Uint8Array;
  readonly key: Uint8Array;
  counter: number;
}

function vaultFromKey(key: Uint8Array, random: RandomSource, primitives: Primitives): Vault {
  let live: Uint8Array | undefined = key;
  const current = (): Uint8Array => {
    if (!live) throw new CoreError('locked', 'the account is locked; unlock it first');
    return live;
  };
  const xaeadOpen = xaeadOpenOf(primitives);
  /** Subkeys met when opening, by salt (hex); bounded: a miss costs one HKDF. */
  const opened = new Map<string, Uint8Array>();
  let sealing: Subkey | undefined;
  const derive = (salt: Uint8Array): Uint8Array =>
    primitives.hkdfSha256(current(), salt, SUBKEY_INFO, VAULT_KEY_BYTES);
  const remember = (salt: Uint8Array, k: Uint8Array): void => {
    if (opened.size >= OPENED_SUBKEYS) {
      for (const old of opened.values()) old.fill(0);
      opened.clear();
    }
    opened.set(toHex(salt), k);
  };
  const subkeyFor = (salt: Uint8Array): Uint8Array => {
    let k = opened.get(toHex(salt));
    if (!k) {
      k = derive(salt);
      remember(salt, k);
    }
    return k;
  };
  const vault: Vault = {
    seal(label, plaintext) {
      current();
      if (!sealing || sealing.counter >= SUBKEY_MAX_SEALS) {
        const salt = random(VAULT_SALT_BYTES);
        sealing = { salt, key: derive(salt), counter: 0 };
        remember(salt, sealing.key.slice()); // what this vault seals, it opens without an HKDF
      }
      const out = new Uint8Array(V2_HEADER_BYTES + plaintext.length + TAG_BYTES);
      out[0] = SEALED_V2;
      out.set(sealing.salt, 1);
      const nonce = out.subarray(1 + VAULT_SALT_BYTES, V2_HEADER_BYTES);
      // 4 zero bytes || the counter as 8 bytes big-endian (< 2^32 here).
      new DataView(nonce.buffer, nonce.byteOffset, nonce.byteLength).setUint32(8, sealing.counter++);
      out.set(primitives.aeadSeal(sealing.key, nonce, plaintext, utf8(label)), V2_HEADER_BYTES);
      return out;
    },
    open(label, sealed) {
      const key = current();
      let plaintext: Uint8Array | undefined;
      if (sealed[0] === SEALED_V2 && sealed.length >= V2_HEADER_BYTES + TAG_BYTES) {
        const subkey = subkeyFor(sealed.subarray(1, 1 + VAULT_SALT_BYTES));
        const nonce = sealed.subarray(1 + VAULT_SALT_BYTES, V2_HEADER_BYTES);
        plaintext = primitives.aeadOpen(subkey, nonce, sealed.subarray(V2_HEADER_BYTES), utf8(label));
      } else if (sealed[0] === SEALED_V1 && sealed.length >= 1 + VAULT_NONCE_BYTES + TAG_BYTES) {
        const nonce = sealed.subarray(1, 1 + VAULT_NONCE_BYTES);
        plaintext = xaeadOpen(key, nonce, sealed.subarray(1 + VAULT_NONCE_BYTES), utf8(label));
      } else {
        throw new CoreError('bad-input', `stored value "${label}" is damaged`);
      }
      if (plaintext) return plaintext;
      throw new CoreError('bad-input', `stored value "${label}" is damaged or was sealed with another key`);
    },
    deriveKey(purpose) {
      if (!PURPOSE.test(purpose)) throw new RangeError(`bad key purpose "${purpose}"`);
      return primitives.hkdfSha256(
        current(),
        new Uint8Array(0),
        utf8(PURPOSE_INFO + purpose),
        VAULT_KEY_BYTES,
      );
    },
    lock() {
      live?.fill(0);
      live = undefined;
      sealing?.key.fill(0);
      sealing = undefined;
      for (const k of opened.values()) k.fill(0);
      opened.clear();
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

/** Creates a new vault; returns it with the header to store. */
export async function createVault(
  secret: VaultSecret,
  random: RandomSource,
  primitives: Primitives,
): Promise<{ vault: Vault; header: Uint8Array }> {
  const kdf: VaultKdf = secret.keyFile ? 'keyfile' : 'scrypt';
  const salt = random(VAULT_SALT_BYTES);
  const vault = vaultFromKey(await deriveKey(kdf, salt, SCRYPT_PARAMS, secret), random, primitives);
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
  primitives: Primitives,
): Promise<Vault> {
  const header = decodeHeader(headerBytes);
  const vault = vaultFromKey(
    await deriveKey(header.kdf, header.salt, header.scrypt, secret),
    random,
    primitives,
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
