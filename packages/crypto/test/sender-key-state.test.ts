/**
 * Golden sender-key states with skipped seeds (SPEC.md §12.2, §12.5;
 * test/vectors/README.md): the seeded scenario reproduces every byte; the
 * seeds, keys and nonces are recomputed here from the distributed chain key
 * with bare HMAC/HKDF (not the package's KDF); the stored state opens the late
 * messages, each once.
 */
import { readFileSync } from 'node:fs';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  DecryptError,
  deserializeSenderKeyReceiver,
  fromHex,
  senderKeyDecrypt,
  serializeSenderKeyReceiver,
  toHex,
} from '../src/index.ts';
import { backends, str, text } from './helpers.ts';
import { runSenderKeyState, type SenderKeyStateVectors } from './vectors/sender-key-state.ts';

const golden: SenderKeyStateVectors = JSON.parse(
  readFileSync(new URL('./vectors/sender-key-state-v1.json', import.meta.url), 'utf8'),
);

describe.each(backends)('sender-key-state-v1 (%s)', (_name, p) => {
  it('re-running the seeded scenario reproduces every byte', () => {
    expect(JSON.parse(JSON.stringify(runSenderKeyState(p)))).toEqual(golden);
  });

  it('the committed messages replay to the committed states', () => {
    const replay = runSenderKeyState(
      p,
      golden.messages.map((m) => m.bytes),
    );
    expect([replay.receiverSkipped, replay.receiverEmptied]).toEqual([
      golden.receiverSkipped,
      golden.receiverEmptied,
    ]);
  });

  it('the stored state opens each late message once, then holds no seed', () => {
    const ad = fromHex(golden.associatedData);
    let r = deserializeSenderKeyReceiver(fromHex(golden.receiverSkipped.bytes));
    for (const i of golden.delivery.afterSnapshot) {
      const bytes = fromHex(golden.messages[i]!.bytes);
      const out = senderKeyDecrypt(r, bytes, ad, p);
      expect(str(out.plaintext)).toBe(golden.messages[i]!.plaintext);
      expect(() => senderKeyDecrypt(out.receiver, bytes, ad, p)).toThrow(DecryptError);
      r = out.receiver;
    }
    expect(toHex(serializeSenderKeyReceiver(r))).toBe(golden.receiverEmptied.bytes);
  });
});

describe('sender-key-state-v1: the bytes mean what SPEC.md says', () => {
  it('seeds, keys and nonces follow §12.2 from the distributed CK_0', () => {
    const ck0 = fromHex(golden.distributionToBob).subarray(9, 41); // version 1, keyId 4, iteration 4
    const chain = [ck0];
    for (let i = 0; i < 6; i++) chain.push(hmac(sha256, chain[i]!, Uint8Array.of(2)));
    const { decoded } = golden.receiverSkipped;
    expect(decoded.chainKey).toBe(toHex(chain[6]!));
    expect(decoded.skipped.map((s) => s.iteration)).toEqual([0, 1, 3, 4]);
    for (const s of decoded.skipped) {
      const seed = hmac(sha256, chain[s.iteration]!, Uint8Array.of(1));
      const okm = hkdf(sha256, seed, new Uint8Array(32), text('Parley_SenderKey_v1_ChaCha20Poly1305'), 44);
      expect([s.seed, s.key, s.nonce]).toEqual([
        toHex(seed),
        toHex(okm.subarray(0, 32)),
        toHex(okm.subarray(32)),
      ]);
    }
  });

  it('the receiver encoding is §12.5 field by field, seeds ascending', () => {
    const { bytes, decoded } = golden.receiverSkipped;
    const u32 = (v: number) => v.toString(16).padStart(8, '0');
    const seeds = decoded.skipped.map((s) => u32(s.iteration) + s.seed).join('');
    const count = decoded.skipped.length.toString(16).padStart(4, '0');
    expect(bytes).toBe(
      `0102${u32(decoded.keyId)}${u32(decoded.iteration)}${decoded.chainKey}${decoded.signingPublic}${count}${seeds}`,
    );
    expect(golden.receiverEmptied.decoded.skipped).toEqual([]);
  });
});
