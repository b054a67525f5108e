/** Secrets never appear in JSON.stringify, String() or util.inspect (vodozemac practice). */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createFileKey,
  createSenderKey,
  decodeSenderKeyDistribution,
  encrypt,
  initiateSession,
  noblePrimitives as p,
  REDACTED,
  senderKeyDistribution,
  toHex,
} from '../src/index.ts';
import { makeParty, seededRandom, text, verifiedCard } from './helpers.ts';

describe('redaction', () => {
  const rnd = seededRandom('redaction');
  const alice = makeParty('alice', rnd, p);
  const bob = makeParty('bob', rnd, p);
  const session = encrypt(
    initiateSession(alice.identity, verifiedCard(bob, p), rnd, p),
    text('x'),
    p,
  ).session;
  const fileKey = createFileKey(rnd);
  const senderKey = createSenderKey(rnd, p);
  const senderKeyReceiver = decodeSenderKeyDistribution(
    senderKeyDistribution(senderKey, text('g'), p),
    text('g'),
    p,
  );
  const cases: [string, object, Uint8Array[]][] = [
    ['identity', alice.identity, [alice.identity.signingSecret, alice.identity.agreementSecret]],
    ['signed prekey', alice.spk, [alice.spk.secretKey]],
    ['one-time prekey', alice.otpks.get(100)!, [alice.otpks.get(100)!.secretKey]],
    ['session', session, [session.rootKey, session.sendSecret, session.sendChainKey!]],
    ['file key', fileKey, [fileKey.key]],
    ['sender key', senderKey, [senderKey.chainKey, senderKey.signingSecret]],
    ['sender key receiver', senderKeyReceiver, [senderKeyReceiver.chainKey]],
  ];

  it.each(cases)('%s prints [redacted] everywhere', (_n, obj, secrets) => {
    const outputs = [
      JSON.stringify(obj),
      JSON.stringify({ nested: [obj] }),
      String(obj),
      `${obj}`,
      inspect(obj, { depth: 10, showHidden: true }),
      inspect({ nested: obj }, { depth: 10 }),
    ];
    for (const out of outputs) {
      expect(out).toContain(REDACTED);
      for (const s of secrets) {
        expect(out).not.toContain(toHex(s));
        expect(out).not.toContain(Buffer.from(s).toString('base64'));
        expect(out).not.toContain(`${String(s[0])}, ${String(s[1])}, ${String(s[2])}`);
      }
    }
  });
});

describe('bufferedRandom', () => {
  it('hands out every pooled byte once, in order, and goes straight to the source for large requests', async () => {
    const { bufferedRandom } = await import('../src/random.ts');
    let calls = 0;
    let counter = 0;
    const source = (n: number) => {
      calls++;
      return Uint8Array.from({ length: n }, () => counter++ & 0xff);
    };
    const random = bufferedRandom(source, 16);
    expect([...random(4)]).toEqual([0, 1, 2, 3]);
    expect([...random(12)]).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(calls).toBe(1);
    expect([...random(2)]).toEqual([16, 17]); // a fresh pool
    expect(calls).toBe(2);
    expect(random(32).length).toBe(32); // larger than the pool: straight from the source
    expect(calls).toBe(3);
  });
});
