import { noblePrimitives, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../src/bytes.ts';
import { createVault, unlockVault } from '../src/vault.ts';

const keyFile = systemRandom(32);

describe('vault (values sealed at rest)', () => {
  it('opens, with any backend, what another backend sealed (same XChaCha20-Poly1305 bytes)', async () => {
    const { vault: native, header } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    const noble = await unlockVault(header, { keyFile }, systemRandom, noblePrimitives);
    const builtIn = await unlockVault(header, { keyFile }, systemRandom);
    for (const size of [0, 31, 32, 1024, 5000]) {
      const text = systemRandom(size);
      expect(noble.open('body:1', native.seal('body:1', text))).toEqual(text);
      expect(native.open('body:1', noble.seal('body:1', text))).toEqual(text);
      expect(native.open('body:1', builtIn.seal('body:1', text))).toEqual(text);
    }
  });

  it('refuses a value under another label, a flipped bit, or another key, with a clear error', async () => {
    const { vault, header } = await createVault({ keyFile }, systemRandom, nodePrimitives);
    const sealed = vault.seal('body:1', utf8('canary'));
    expect(() => vault.open('body:2', sealed)).toThrow(/damaged or was sealed with another key/);
    const flipped = sealed.slice();
    flipped[30] = (flipped[30] as number) ^ 1;
    expect(() => vault.open('body:1', flipped)).toThrow(/damaged/);
    expect(() => vault.open('body:1', sealed.subarray(0, 20))).toThrow(/damaged/);
    await expect(
      unlockVault(header, { keyFile: systemRandom(32) }, systemRandom, nodePrimitives),
    ).rejects.toThrow(/key file does not open this account/);
    vault.lock();
    expect(() => vault.open('body:1', sealed)).toThrow(/locked/);
  });
});
