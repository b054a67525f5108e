/**
 * The vault header: what turns a passphrase or a key file into the storage key (vault.ts). Not
 * secret; the daemon keeps it in `account.vault` beside the database (DESIGN.md §5.5).
 *
 * Version 1 (written when an account is created): the storage key is the KDF's output itself.
 *   version(1)=1 kdf(1: 1=scrypt, 2=keyfile) log2N(1) r(1) p(1) salt(16) checkLen(2) check
 * Version 2 (written by a change of passphrase): the KDF's output only wraps the storage key, so
 * a new passphrase is a new header and nothing else — the database pages and every sealed value
 * stay as they are, and replacing one small file atomically is the whole change.
 *   version(1)=2 kdf log2N r p salt(16) wrapped(48) checkLen(2) check
 *   kek     = HKDF-SHA256(ikm = KDF output, salt, info = "Parley_Vault_wrap_v2", 32)
 *   wrapped = ChaCha20-Poly1305(kek, nonce = 0^12, storage key, ad = the 21 bytes before it)
 * A zero nonce is safe: every v2 header draws a fresh salt, so each kek seals exactly one key.
 * `check` (the storage key's seal of a known text, vault.ts) is kept from header to header: it
 * confirms the key whichever way it was obtained.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import type { Primitives, RandomSource } from '@parley/crypto';
import { CoreError, concat, utf8 } from '../base/index.ts';

export const VAULT_KEY_BYTES = 32;
export const VAULT_SALT_BYTES = 16;

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Documented scrypt parameters (RFC 7914): 128 MiB of memory per guess. */
export const SCRYPT_PARAMS: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

export type VaultKdf = 'scrypt' | 'keyfile';

export interface VaultSecret {
  /** Either a passphrase (scrypt) … */
  readonly passphrase?: string;
  /** … or the 32 bytes of a key file. */
  readonly keyFile?: Uint8Array;
}

export interface VaultHeader {
  readonly version: 1 | 2;
  readonly kdf: VaultKdf;
  readonly salt: Uint8Array;
  readonly scrypt: ScryptParams;
  /** Version 2: the storage key sealed under the kek. */
  readonly wrapped?: Uint8Array;
  readonly check: Uint8Array;
}

const WRAP_INFO: Uint8Array = utf8('Parley_Vault_wrap_v2');
const WRAP_NONCE = new Uint8Array(12);
/** version kdf log2N r p salt: the associated data of `wrapped`. */
const PREFIX_BYTES = 5 + VAULT_SALT_BYTES;
const WRAPPED_BYTES = VAULT_KEY_BYTES + 16;

/** The secret a header needs, as bytes: the key file, or scrypt of the passphrase (NFKC). */
export async function kdfOutput(
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

/** The storage key `secret` gives for `header`; undefined when it cannot unwrap it (v2). */
export async function storageKeyOf(
  header: VaultHeader,
  headerBytes: Uint8Array,
  secret: VaultSecret,
  primitives: Primitives,
): Promise<Uint8Array | undefined> {
  const out = await kdfOutput(header.kdf, header.salt, header.scrypt, secret);
  if (!header.wrapped) return out;
  const kek = primitives.hkdfSha256(out, header.salt, WRAP_INFO, VAULT_KEY_BYTES);
  out.fill(0);
  const key = primitives.aeadOpen(kek, WRAP_NONCE, header.wrapped, headerBytes.subarray(0, PREFIX_BYTES));
  kek.fill(0);
  return key;
}

/** A version-2 header that gives `storageKey` to `secret` (a fresh salt), with the same check. */
export async function wrapHeader(
  storageKey: Uint8Array,
  check: Uint8Array,
  secret: VaultSecret,
  random: RandomSource,
  primitives: Primitives,
): Promise<Uint8Array> {
  const kdf: VaultKdf = secret.keyFile ? 'keyfile' : 'scrypt';
  const salt = random(VAULT_SALT_BYTES);
  const prefix = encodePrefix({ version: 2, kdf, salt, scrypt: SCRYPT_PARAMS });
  const out = await kdfOutput(kdf, salt, SCRYPT_PARAMS, secret);
  const kek = primitives.hkdfSha256(out, salt, WRAP_INFO, VAULT_KEY_BYTES);
  out.fill(0);
  const wrapped = primitives.aeadSeal(kek, WRAP_NONCE, storageKey, prefix);
  kek.fill(0);
  return concat(prefix, wrapped, checkField(check));
}

export function encodeHeader(h: VaultHeader): Uint8Array {
  return concat(encodePrefix(h), h.wrapped ?? new Uint8Array(0), checkField(h.check));
}

function encodePrefix(h: Pick<VaultHeader, 'version' | 'kdf' | 'salt' | 'scrypt'>): Uint8Array {
  const fixed = Uint8Array.of(
    h.version,
    h.kdf === 'scrypt' ? 1 : 2,
    Math.log2(h.scrypt.N),
    h.scrypt.r,
    h.scrypt.p,
  );
  return concat(fixed, h.salt);
}

const checkField = (check: Uint8Array): Uint8Array =>
  concat(Uint8Array.of(check.length >> 8, check.length & 0xff), check);

export function decodeHeader(bytes: Uint8Array): VaultHeader {
  const bad = (): never => {
    throw new CoreError(
      'bad-input',
      'the account vault header is damaged; restore the data folder from a backup',
    );
  };
  const version = bytes[0];
  if (version !== 1 && version !== 2) return bad();
  const wrappedBytes = version === 2 ? WRAPPED_BYTES : 0;
  if (bytes.length < PREFIX_BYTES + wrappedBytes + 2) bad();
  const kdfByte = bytes[1];
  const log2N = bytes[2] as number;
  const r = bytes[3] as number;
  const p = bytes[4] as number;
  if ((kdfByte !== 1 && kdfByte !== 2) || log2N < 10 || log2N > 22 || r < 1 || r > 32 || p < 1 || p > 16)
    bad();
  const at = PREFIX_BYTES + wrappedBytes;
  const checkLen = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
  const check = bytes.slice(at + 2);
  if (check.length !== checkLen) bad();
  return {
    version,
    kdf: kdfByte === 1 ? 'scrypt' : 'keyfile',
    salt: bytes.slice(5, PREFIX_BYTES),
    scrypt: { N: 2 ** log2N, r, p },
    ...(version === 2 ? { wrapped: bytes.slice(PREFIX_BYTES, at) } : {}),
    check,
  };
}
