/**
 * A linked device's account record (wire/card-extension.ts, type 0x03) and its claim
 * (account/device-claim.ts): bounded decoding, and a claim that verifies only for the device it
 * was signed for (docs/PROTOCOL.md §7 "Invites on any device").
 */
import { createIdentity, systemRandom } from '@parley/crypto';
import { nodePrimitives as p } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { claimedAccount, claimForDevice } from '../src/account/device-claim.ts';
import { CoreError } from '../src/base/errors.ts';
import { decodeCardExtension, encodeCardExtension } from '../src/wire/index.ts';

const accountIdentity = createIdentity(systemRandom, p);
const deviceIdentity = createIdentity(systemRandom, p);
const laptop = {
  info: { peerId: '12D3KooWlaptop', name: 'alice', createdAt: 0, accountId: '12D3KooWalice' },
  identity: deviceIdentity,
  accountIdentity,
};

describe('a linked device’s claim', () => {
  it('verifies for the device it names, and for no other device or PeerId', () => {
    const record = claimForDevice(laptop, p);
    expect(record?.accountId).toBe('12D3KooWalice');
    const card = { identity: deviceIdentity.publicIdentity, peerId: '12D3KooWlaptop' };
    expect(claimedAccount(record, card, p)).toEqual({
      accountId: '12D3KooWalice',
      identity: accountIdentity.publicIdentity,
    });
    const other = createIdentity(systemRandom, p).publicIdentity;
    expect(claimedAccount(record, { ...card, identity: other }, p)).toBe(false);
    expect(claimedAccount(record, { ...card, peerId: '12D3KooWmallory' }, p)).toBe(false);
    const flipped = record && { ...record, signature: record.signature.map((b, i) => (i === 0 ? b ^ 1 : b)) };
    expect(claimedAccount(flipped, card, p)).toBe(false);
    // Another account's key cannot stand in: the claim must verify under the key it names.
    const forgedKey = record && { ...record, signingKey: other.signingKey };
    expect(claimedAccount(forgedKey, card, p)).toBe(false);
  });

  it('a founding device makes none, and a record naming the card’s own PeerId is none', () => {
    const founding = {
      info: { peerId: '12D3KooWalice', name: 'alice', createdAt: 0 },
      identity: accountIdentity,
      accountIdentity,
    };
    expect(claimForDevice(founding, p)).toBeUndefined();
    const record = claimForDevice(laptop, p);
    const self = { identity: deviceIdentity.publicIdentity, peerId: '12D3KooWalice' };
    expect(claimedAccount(record, self, p)).toBeUndefined();
    expect(claimedAccount(undefined, self, p)).toBeUndefined();
  });

  it('the record round-trips beside the other records; a damaged one is refused, a newer type skipped', () => {
    const account = claimForDevice(laptop, p);
    if (!account) throw new Error('no claim');
    const bytes = encodeCardExtension({ mailboxes: [], account });
    expect(bytes.length).toBe(3 + 1 + 13 + 32 + 32 + 64);
    expect(decodeCardExtension(bytes)).toEqual({ mailboxes: [], account });
    // One byte more inside the record (its length says so): trailing bytes, refused.
    const body = bytes.subarray(3);
    const longer = Uint8Array.of(0x03, 0, body.length + 1, ...body, 0);
    expect(() => decodeCardExtension(longer)).toThrow(CoreError);
    // Truncated.
    expect(() => decodeCardExtension(bytes.subarray(0, bytes.length - 1))).toThrow();
    // A PeerId past 128 bytes is not one.
    const long = { ...account, accountId: 'x'.repeat(129) };
    expect(() => encodeCardExtension({ mailboxes: [], account: long })).toThrow(RangeError);
    // A record of a type this version does not know is skipped.
    expect(decodeCardExtension(Uint8Array.of(...bytes, 0x04, 0, 2, 1, 2))).toEqual({
      mailboxes: [],
      account,
    });
  });
});
