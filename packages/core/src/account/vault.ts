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
 * wrong passphrase from a right one; vault-header.ts, where a changed
 * passphrase only re-wraps the storage key) is not secret: the daemon keeps it in a
 * file beside the database (the database itself is encrypted under a key the
 * vault derives, so the header must be readable first); the in-memory store
 * and databases from before page encryption keep it in the store's meta.
 *
 * Keys for other purposes come from the storage key by HKDF with a label:
 *   key(purpose) = HKDF-SHA256(ikm = storage key, salt = "", info = "Parley_Key_v1:" ‖ purpose, 32)
 * e.g. purpose "database" is the page-encryption key of the account's SQLite file.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import type { Primitives, RandomSource } from '@parley/crypto';
import { CoreError, fromUtf8, redact, toHex, utf8 } from '../base/index.ts';
import {
  decodeHeader,
  encodeHeader,
  kdfOutput,
  SCRYPT_PARAMS,
  type ScryptParams,
  storageKeyOf,
  VAULT_KEY_BYTES,
  VAULT_SALT_BYTES,
  type VaultHeader,
  type VaultKdf,
  type VaultSecret,
  wrapHeader,
} from './vault-header.ts';

export {
  SCRYPT_PARAMS,
  type ScryptParams,
  VAULT_KEY_BYTES,
  VAULT_SALT_BYTES,
  type VaultKdf,
  type VaultSecret,
};
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
const CHECK_LABEL = 'vault-check';
const CHECK_TEXT = 'parley vault v1';

export interface Vault {
  seal(label: string, plaintext: Uint8Array): Uint8Array;
  /** Throws CoreError('locked') after lock(); a tampered value throws CoreError('bad-input'). */
  open(label: string, sealed: Uint8Array): Uint8Array;
  /** A 32-byte key for `purpose` (e.g. "database"), derived from the storage key; the caller wipes it. */
  deriveKey(purpose: string): Uint8Array;
  /** Wipes the key (best effort: JS cannot guarantee no copies remain). */
  lock(): void;
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

/** Creates a new vault; returns it with the header to store. */
export async function createVault(
  secret: VaultSecret,
  random: RandomSource,
  primitives: Primitives,
): Promise<{ vault: Vault; header: Uint8Array }> {
  const kdf: VaultKdf = secret.keyFile ? 'keyfile' : 'scrypt';
  const salt = random(VAULT_SALT_BYTES);
  const vault = vaultFromKey(await kdfOutput(kdf, salt, SCRYPT_PARAMS, secret), random, primitives);
  const check = vault.seal(CHECK_LABEL, utf8(CHECK_TEXT));
  return {
    vault,
    header: encodeHeader({ version: 1, kdf, salt, scrypt: SCRYPT_PARAMS, check }),
  };
}

/** A vault on `key` if it opens the header's check value; otherwise undefined (and `key` wiped). */
function checkedVault(
  header: VaultHeader,
  key: Uint8Array | undefined,
  random: RandomSource,
  primitives: Primitives,
): Vault | undefined {
  const vault = key && vaultFromKey(key, random, primitives);
  try {
    if (vault && fromUtf8(vault.open(CHECK_LABEL, header.check)) === CHECK_TEXT) return vault;
  } catch {
    // fall through
  }
  vault?.lock();
  return undefined;
}

const wrongSecret = (kdf: VaultKdf): CoreError =>
  new CoreError(
    'wrong-passphrase',
    kdf === 'keyfile'
      ? 'the key file does not open this account'
      : 'wrong passphrase; nothing was changed — try again',
  );

/** Opens a vault from its stored header; a wrong passphrase or key file throws CoreError('wrong-passphrase'). */
export async function unlockVault(
  headerBytes: Uint8Array,
  secret: VaultSecret,
  random: RandomSource,
  primitives: Primitives,
): Promise<Vault> {
  const header = decodeHeader(headerBytes);
  const key = await storageKeyOf(header, headerBytes, secret, primitives);
  const vault = checkedVault(header, key, random, primitives);
  if (!vault) throw wrongSecret(header.kdf);
  return vault;
}

/**
 * A new header (version 2, vault-header.ts) that opens the same vault with `next` instead of
 * `current`: the storage key, and so the database and every sealed value, stay as they are. A
 * wrong `current` throws CoreError('wrong-passphrase'). The caller replaces the stored header
 * atomically; until then the old one still opens the account, and afterwards only the new one.
 */
export async function rewrapVault(
  headerBytes: Uint8Array,
  current: VaultSecret,
  next: VaultSecret,
  random: RandomSource,
  primitives: Primitives,
): Promise<Uint8Array> {
  const header = decodeHeader(headerBytes);
  const key = await storageKeyOf(header, headerBytes, current, primitives);
  const vault = checkedVault(header, key?.slice(), random, primitives);
  if (!key || !vault) throw wrongSecret(header.kdf);
  vault.lock();
  try {
    return await wrapHeader(key, header.check, next, random, primitives);
  } finally {
    key.fill(0);
  }
}

/** Which secret a stored vault needs. */
export function vaultKdf(headerBytes: Uint8Array): VaultKdf {
  return decodeHeader(headerBytes).kdf;
}
