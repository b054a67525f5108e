/** Golden transcripts (suite 1 and suite 2): a wire-format change cannot slip by (test/vectors/README.md). */
import { readFileSync } from 'node:fs';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { backends } from './helpers.ts';
import { runConversation, type Transcript } from './vectors/conversation.ts';
import { runConversationPq, type TranscriptPq } from './vectors/conversation-pq.ts';

const golden: Transcript = JSON.parse(
  readFileSync(new URL('./vectors/transcript-v1.json', import.meta.url), 'utf8'),
);

describe.each(backends)('transcript-v1 (%s)', (_name, p) => {
  it('re-running the seeded conversation reproduces every byte', () => {
    expect(JSON.parse(JSON.stringify(runConversation(p)))).toEqual(golden);
  });

  it('the stored ciphertexts decrypt to the stored plaintexts', () => {
    const replay = runConversation(
      p,
      golden.messages.map((m) => m.bytes),
    );
    expect(replay.finalSessions).toEqual(golden.finalSessions);
  });
});

const goldenPq: TranscriptPq = JSON.parse(
  readFileSync(new URL('./vectors/transcript-v2.json', import.meta.url), 'utf8'),
);

describe.each(backends)('transcript-v2, suite 2 (%s)', (_name, p) => {
  it('re-running the seeded conversation reproduces every byte', () => {
    expect(JSON.parse(JSON.stringify(runConversationPq(p)))).toEqual(goldenPq);
  });

  it('the stored ciphertexts decrypt to the stored plaintexts', () => {
    const replay = runConversationPq(
      p,
      goldenPq.messages.map((m) => m.bytes),
    );
    expect(replay.finalSessions).toEqual(goldenPq.finalSessions);
  });
});

describe('transcript-v2 from SPEC.md alone (bare noble, no package code)', () => {
  const b = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
  const cat = (...xs: Uint8Array[]) => Uint8Array.from(xs.flatMap((x) => [...x]));
  const bob = goldenPq.parties.bob!;

  it('§6.1.1 + §5.2: the first message opens with the PQXDH secret recomputed from the published keys', () => {
    const m = b(goldenPq.messages[0]!.bytes);
    expect([m[0], m[1], m[2], m[167], m[172]]).toEqual([1, 2, 2, 1, 2]); // suite 2, OPK, one-time KEM
    const ikdA = m.subarray(35, 67);
    const ek = m.subarray(131, 163);
    const ct = m.subarray(177, 1265);
    const dhsA = m.subarray(1265, 1297);
    const header = m.subarray(0, 1305);
    const ikdB = b(bob.identity).subarray(33, 65);
    const spkB = b(bob.signedPrekey).subarray(14, 46);
    const opkB = b(bob.oneTimePrekey).subarray(14, 46);
    const kemSeed = b(bob.oneTimeKemPrekey).subarray(14, 78);
    const ss = ml_kem768.decapsulate(ct, ml_kem768.keygen(kemSeed).secretKey);
    const ikm = cat(
      new Uint8Array(32).fill(0xff),
      x25519.getSharedSecret(spkB, ikdA),
      x25519.getSharedSecret(ikdB, ek),
      x25519.getSharedSecret(spkB, ek),
      x25519.getSharedSecret(opkB, ek),
      ss,
    );
    const info = new TextEncoder().encode('Parley_PQXDH_v1_X25519_MLKEM768_SHA256_ChaCha20Poly1305');
    const sk = hkdf(sha256, ikm, new Uint8Array(32), info, 32);
    const ratchet = hkdf(
      sha256,
      x25519.getSharedSecret(spkB, dhsA),
      sk,
      new TextEncoder().encode('Parley_Ratchet_v1'),
      64,
    );
    const mk = hmac(sha256, ratchet.subarray(32), Uint8Array.of(1));
    const idA = m.subarray(3, 67);
    const idB = cat(ed25519.getPublicKey(b(bob.identity).subarray(1, 33)), x25519.getPublicKey(ikdB));
    const pt = chacha20poly1305(mk, new Uint8Array(12), cat(idA, idB, header)).decrypt(m.subarray(1305));
    expect(new TextDecoder().decode(pt)).toBe(goldenPq.messages[0]!.plaintext);
  });

  it('§6.5: both final states parse field by field as version 2, to the last byte', () => {
    for (const [who, h] of Object.entries(goldenPq.finalSessions)) {
      const bytes = b(h);
      let o = 0;
      const take = (n: number) => {
        o += n;
        return bytes.subarray(o - n, o);
      };
      const u = (n: number) => take(n).reduce((v, x) => v * 256 + x, 0);
      expect(u(1)).toBe(2);
      expect(u(1)).toBe(who === 'alice' ? 1 : 2);
      const flags = u(1);
      take(128 + 4 * 32);
      for (const bit of [1, 2, 4]) if (flags & bit) take(32);
      take(12);
      if (flags & 8) take(u(2));
      const countdown = u(1);
      const pqFlags = u(1);
      expect(countdown).toBeLessThan(goldenPq.pqRatchetInterval);
      if (pqFlags & 1) take(64);
      if (pqFlags & 2) take(1184);
      if (pqFlags & 4) expect([1185, 2273]).toContain(take(u(2)).length);
      const chains = u(1);
      for (let c = 0; c < chains; c++) {
        take(32);
        take(u(2) * 36);
      }
      expect(o).toBe(bytes.length);
    }
  });

  it('§5.3, §6.4: B0 is classical; kind-3 headers carry flags 1 (key only) on A1 and 3 (key ‖ ciphertext) on later PQ chains', () => {
    const kinds = goldenPq.messages.map((m) => b(m.bytes));
    expect(kinds.map((m) => m[1])).toEqual([2, 2, 1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 3]);
    expect(kinds[4]![42]).toBe(1);
    expect(kinds[6]![42]).toBe(3);
    // A1's key is ML-KEM-768 KeyGen of the seed drawn right after A1's DH secret (§1.2), on every message of A1
    expect(kinds[4]!.subarray(43, 43 + 1184)).toEqual(kinds[5]!.subarray(43, 43 + 1184));
  });
});
