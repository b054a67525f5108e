/**
 * A change of passphrase re-wraps the storage key (account/vault-header.ts, version 2): the new
 * header opens the same vault — every value sealed before, the same database key — with the new
 * secret only; a wrong current secret or a damaged header is refused as `wrong-passphrase`.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { createVault, rewrapVault, unlockVault, vaultKdf } from '../src/account/vault.ts';
import { utf8 } from '../src/base/bytes.ts';
import { CoreError } from '../src/base/errors.ts';

const A = { passphrase: 'first passphrase' };
const B = { passphrase: 'second passphrase' };
const C = { passphrase: 'third passphrase' };
const crypto = [systemRandom, nodePrimitives] as const;

const refused = async (p: Promise<unknown>): Promise<string | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof CoreError ? e.code : String(e)),
  );

describe('rewrapVault', { timeout: 90_000 }, () => {
  it('gives the same vault to the new passphrase only, and again to the next one', async () => {
    const { vault, header } = await createVault(A, ...crypto);
    const sealed = vault.seal('body:1', utf8('before the change'));
    const dbKey = vault.deriveKey('database');

    const second = await rewrapVault(header, A, B, ...crypto);
    expect(second[0]).toBe(2);
    const opened = await unlockVault(second, B, ...crypto);
    expect(opened.open('body:1', sealed)).toEqual(utf8('before the change'));
    expect(opened.deriveKey('database')).toEqual(dbKey);
    expect(await refused(unlockVault(second, A, ...crypto))).toBe('wrong-passphrase');
    // The old header still opens with the old one: replacing it is the caller's atomic step.
    expect((await unlockVault(header, A, ...crypto)).deriveKey('database')).toEqual(dbKey);

    const third = await rewrapVault(second, B, C, ...crypto);
    expect((await unlockVault(third, C, ...crypto)).open('body:1', sealed)).toEqual(
      utf8('before the change'),
    );
    expect(await refused(unlockVault(third, B, ...crypto))).toBe('wrong-passphrase');
  });

  it('refuses a wrong current passphrase, and a header whose wrapped key was touched', async () => {
    const { header } = await createVault(A, ...crypto);
    expect(await refused(rewrapVault(header, B, C, ...crypto))).toBe('wrong-passphrase');
    const second = await rewrapVault(header, A, B, ...crypto);
    for (const at of [1 + 4 + 16, 1 + 4 + 16 + 47]) {
      const damaged = second.slice();
      damaged[at] = (damaged[at] as number) ^ 1;
      expect(await refused(unlockVault(damaged, B, ...crypto))).toBe('wrong-passphrase');
    }
    const salt = second.slice();
    salt[5] = (salt[5] as number) ^ 1; // the salt is associated data of the wrapped key
    expect(await refused(unlockVault(salt, B, ...crypto))).toBe('wrong-passphrase');
  });

  it('moves an account from a key file to a passphrase', async () => {
    const keyFile = systemRandom(32);
    const { vault, header } = await createVault({ keyFile }, ...crypto);
    expect(vaultKdf(header)).toBe('keyfile');
    const sealed = vault.seal('identity', utf8('keys'));
    const next = await rewrapVault(header, { keyFile }, B, ...crypto);
    expect(vaultKdf(next)).toBe('scrypt');
    expect((await unlockVault(next, B, ...crypto)).open('identity', sealed)).toEqual(utf8('keys'));
    expect(await refused(unlockVault(next, { keyFile }, ...crypto))).toBe('wrong-passphrase');
  });

  it('writes version 2 exactly as documented', async () => {
    const { vault, header } = await createVault(A, ...crypto);
    const second = await rewrapVault(header, A, B, ...crypto);
    const salt = second.subarray(5, 21);
    const out = scrypt(utf8(B.passphrase), salt, { N: 2 ** 17, r: 8, p: 1, dkLen: 32, maxmem: 2 ** 28 });
    const kek = hkdf(sha256, out, salt, utf8('Parley_Vault_wrap_v2'), 32);
    const key = chacha20poly1305(kek, new Uint8Array(12), second.subarray(0, 21)).decrypt(
      second.subarray(21, 69),
    );
    // The unwrapped key is the storage key: it derives the same database key.
    const info = utf8('Parley_Key_v1:database');
    expect(hkdf(sha256, key, new Uint8Array(0), info, 32)).toEqual(vault.deriveKey('database'));
    expect(second.subarray(69, 71)).toEqual(header.subarray(21, 23)); // the check, kept
    expect(second.subarray(71)).toEqual(header.subarray(23));
  });
});
