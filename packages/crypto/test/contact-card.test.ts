import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CARD_MAX_ADDRESSES,
  CARD_NAME_MAX_BYTES,
  CardError,
  createContactCard,
  createIdentity,
  createSignedPrekey,
  decodeContactCard,
  initiateSession,
  KeyError,
  sameIdentity,
} from '../src/index.ts';
import { assertProperty } from './corpus.ts';
import { backends, makeParty, seededRandom } from './helpers.ts';

describe.each(backends)('contact card (%s)', (name, p) => {
  const rnd = seededRandom(`card-${name}`);
  const bob = makeParty('bob', rnd, p);

  it('round-trips and binds the PeerId to the identity', () => {
    const card = decodeContactCard(bob.card, p);
    expect(card.peerId).toBe(bob.peerId);
    expect(card.displayName).toBe('bob');
    expect(card.addresses).toHaveLength(1);
    expect(card.oneTimePrekey?.id).toBe(100);
    expect(sameIdentity(card.identity, bob.identity.publicIdentity)).toBe(true);
  });

  it('rejects every single-bit change and every truncation with a CardError', () => {
    const step = name === 'noble' ? 13 : 3;
    for (let bit = 0; bit < bob.card.length * 8; bit += step) {
      const bad = bob.card.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(() => decodeContactCard(bad, p)).toThrow(CardError);
    }
    for (let n = 0; n < bob.card.length; n += name === 'noble' ? 17 : 1) {
      expect(() => decodeContactCard(bob.card.subarray(0, n), p)).toThrow(CardError);
    }
  });

  it('reports stable codes', () => {
    const wrongVersion = bob.card.slice();
    wrongVersion[0] = 9;
    expect(() => decodeContactCard(wrongVersion, p)).toThrow(
      expect.objectContaining({ code: 'bad-version' }),
    );
    const sig = bob.card.slice();
    sig[sig.length - 1]! ^= 1;
    expect(() => decodeContactCard(sig, p)).toThrow(expect.objectContaining({ code: 'bad-signature' }));
    expect(() => decodeContactCard(bob.card.subarray(0, 10), p)).toThrow(
      expect.objectContaining({ code: 'truncated' }),
    );
    const extra = new Uint8Array(bob.card.length + 1);
    extra.set(bob.card);
    expect(() => decodeContactCard(extra, p)).toThrow(expect.objectContaining({ code: 'trailing-bytes' }));
  });

  it('enforces the field limits when creating', () => {
    const base = { peerId: 'x', addresses: [], signedPrekey: bob.spk, issuedAt: 0 };
    expect(() =>
      createContactCard(bob.identity, { ...base, displayName: 'é'.repeat(CARD_NAME_MAX_BYTES) }, p),
    ).toThrow(expect.objectContaining({ code: 'bad-length' }));
    const addresses = Array.from({ length: CARD_MAX_ADDRESSES + 1 }, () => '/ip4/1.2.3.4');
    expect(() => createContactCard(bob.identity, { ...base, displayName: 'b', addresses }, p)).toThrow(
      CardError,
    );
  });

  it('refuses a card whose signed prekey was signed by someone else', () => {
    const mallory = createIdentity(rnd, p);
    const spk = createSignedPrekey(mallory, 1, 0, rnd, p);
    const bytes = createContactCard(
      bob.identity,
      { peerId: 'x', displayName: 'b', addresses: [], signedPrekey: spk, issuedAt: 0 },
      p,
    );
    expect(() => decodeContactCard(bytes, p)).toThrow(expect.objectContaining({ code: 'bad-signature' }));
  });

  it('initiateSession refuses a forged signed prekey with KeyError', () => {
    const card = decodeContactCard(bob.card, p);
    const forged = { ...card, signedPrekey: { ...card.signedPrekey, id: card.signedPrekey.id + 1 } };
    expect(() => initiateSession(bob.identity, forged, rnd, p)).toThrow(KeyError);
  });

  it('property: arbitrary valid fields round-trip; arbitrary bytes never crash the decoder', () => {
    const utf8Bounded = (max: number) =>
      fc.string({ maxLength: max }).filter((s) => new TextEncoder().encode(s).length <= max);
    assertProperty(
      'card-roundtrip',
      fc.property(
        utf8Bounded(CARD_NAME_MAX_BYTES),
        fc.array(utf8Bounded(256), { maxLength: CARD_MAX_ADDRESSES }),
        fc.uint8Array({ maxLength: 64 }),
        (displayName, addresses, extension) => {
          const bytes = createContactCard(
            bob.identity,
            { peerId: bob.peerId, displayName, addresses, signedPrekey: bob.spk, issuedAt: 5, extension },
            p,
          );
          const card = decodeContactCard(bytes, p);
          expect(card.displayName).toBe(displayName);
          expect(card.addresses).toEqual(addresses);
          expect(card.extension).toEqual(extension);
        },
      ),
      name === 'noble' ? 10 : 50,
    );
    assertProperty(
      'card-garbage',
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          decodeContactCard(bytes, p);
        } catch (e) {
          expect(e).toBeInstanceOf(CardError);
        }
      }),
      300,
    );
  });
});
