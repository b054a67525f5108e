import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { noblePrimitives, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { createVault, unlockVault } from '../src/account/vault.ts';
import { concat, utf8 } from '../src/base/bytes.ts';

const keyFile = systemRandom(32);

describe('vault (values sealed at rest)', () => {
  it('opens, with either backend, what the other sealed, across unlocks', async () => {
    const { vault: native, header } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    const noble = await unlockVault(header, { keyFile }, systemRandom, noblePrimitives);
    const later = await unlockVault(header, { keyFile }, systemRandom, nodePrimitives);
    for (const size of [0, 31, 32, 1024, 5000]) {
      const text = systemRandom(size);
      expect(noble.open('body:1', native.seal('body:1', text))).toEqual(text);
      expect(native.open('body:1', noble.seal('body:1', text))).toEqual(text);
      expect(later.open('body:1', native.seal('body:1', text))).toEqual(text);
    }
  });

  it('seals version 2 exactly as documented: HKDF subkey per salt, counter nonces', async () => {
    const { vault } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    const a = vault.seal('label-a', utf8('first'));
    const b = vault.seal('label-b', utf8('second'));
    expect(a[0]).toBe(2);
    const salt = a.subarray(1, 17);
    expect(b.subarray(1, 17)).toEqual(salt); // one salt per vault instance
    const nonceA = a.subarray(17, 29);
    const nonceB = b.subarray(17, 29);
    expect(nonceA).not.toEqual(nonceB);
    expect(new DataView(nonceB.buffer, nonceB.byteOffset).getUint32(8)).toBe(
      new DataView(nonceA.buffer, nonceA.byteOffset).getUint32(8) + 1,
    );
    expect(nonceB.subarray(0, 8)).toEqual(new Uint8Array(8));
    // An independent implementation of the documented layout agrees.
    const subkey = hkdf(sha256, keyFile, salt, utf8('Parley_Vault_v2'), 32);
    expect(chacha20poly1305(subkey, nonceA, utf8('label-a')).decrypt(a.subarray(29))).toEqual(utf8('first'));
    // Another unlock draws another salt.
    const { vault: other } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    expect(other.seal('label-a', utf8('x')).subarray(1, 17)).not.toEqual(salt);
  });

  it('opens values from more unlocks than it keeps subkeys for, and keeps sealing after evicting them', async () => {
    const { vault: reader, header } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    const mine = reader.seal('body:mine', utf8('mine'));
    const sealed: Uint8Array[] = [];
    for (let i = 0; i < 70; i++) {
      const writer = await unlockVault(header, { keyFile }, systemRandom, nodePrimitives);
      sealed.push(writer.seal(`body:${i}`, utf8(`value ${i}`)));
    }
    for (let round = 0; round < 2; round++)
      for (const [i, value] of sealed.entries())
        expect(reader.open(`body:${i}`, value)).toEqual(utf8(`value ${i}`));
    expect(reader.open('body:mine', mine)).toEqual(utf8('mine'));
    expect(reader.open('body:after', reader.seal('body:after', utf8('after')))).toEqual(utf8('after'));
  });

  it('still opens version 1 values (XChaCha20-Poly1305 under the storage key)', async () => {
    const { header } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    const nonce = systemRandom(24);
    const v1 = concat(
      Uint8Array.of(1),
      nonce,
      xchacha20poly1305(keyFile, nonce, utf8('session:x')).encrypt(utf8('old value')),
    );
    for (const p of [nodePrimitives, noblePrimitives]) {
      const vault = await unlockVault(header, { keyFile }, systemRandom, p);
      expect(vault.open('session:x', v1)).toEqual(utf8('old value'));
      expect(() => vault.open('session:y', v1)).toThrow(/damaged or was sealed with another key/);
    }
  });

  it('refuses a value under another label, a flipped bit, a short value, or another key, with a clear error', async () => {
    const { vault, header } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    const sealed = vault.seal('body:1', utf8('canary'));
    expect(() => vault.open('body:2', sealed)).toThrow(/damaged or was sealed with another key/);
    for (const at of [5, 20, 30, sealed.length - 1]) {
      const flipped = sealed.slice();
      flipped[at] = (flipped[at] as number) ^ 1;
      expect(() => vault.open('body:1', flipped)).toThrow(/damaged/);
    }
    expect(() => vault.open('body:1', sealed.subarray(0, 20))).toThrow(/damaged/);
    expect(() => vault.open('body:1', Uint8Array.of(9, ...sealed.subarray(1)))).toThrow(/damaged/);
    await expect(
      unlockVault(header, { keyFile: systemRandom(32) }, systemRandom, nodePrimitives),
    ).rejects.toThrow(/key file does not open this account/);
    vault.lock();
    expect(() => vault.open('body:1', sealed)).toThrow(/locked/);
    expect(() => vault.seal('body:1', utf8('x'))).toThrow(/locked/);
  });
});
