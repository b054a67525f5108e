/**
 * The account's device list (device-list.ts; docs/MULTI-DEVICE.md): signed by the account,
 * chained by hash, serials strictly one apart; a follower takes only the next list of the chain.
 */
import { describe, expect, it } from 'vitest';
import {
  acceptDeviceList,
  createDeviceList,
  createIdentity,
  DEVICE_LIST_MAX_DEVICES,
  type DeviceEntry,
  DeviceListError,
  type DeviceListFields,
  decodeDeviceList,
  deviceListHash,
  type Identity,
} from '../src/index.ts';
import { backends, seededRandom } from './helpers.ts';

const ZERO = new Uint8Array(32);
const ACCOUNT_ID = '12D3KooWfoundingDevice';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeviceListError) return e.code;
    throw e;
  }
  return undefined;
}

describe.each(backends)('device list (%s)', (_, p) => {
  const random = seededRandom('device-list');
  const account: Identity = createIdentity(random, p);
  const other: Identity = createIdentity(random, p);
  const device = (i: number): DeviceEntry => ({
    identity: createIdentity(random, p).publicIdentity,
    peerId: `12D3KooWdevice${i}`,
    name: `Device ${i}`,
    addedAt: 1_700_000_000_000 + i,
  });
  const laptop = device(1);
  const desktop = device(2);
  const phone = device(3);
  const fields = (over: Partial<DeviceListFields> = {}): DeviceListFields => ({
    serial: 1,
    accountId: ACCOUNT_ID,
    devices: [laptop],
    issuedAt: 1_700_000_000_000,
    previous: ZERO,
    ...over,
  });
  const first = createDeviceList(account, fields(), p);
  const second = createDeviceList(
    account,
    fields({ serial: 2, devices: [laptop, desktop], previous: deviceListHash(first, p) }),
    p,
  );
  const third = createDeviceList(
    account,
    fields({ serial: 3, devices: [desktop, phone], previous: deviceListHash(second, p) }),
    p,
  );

  it('round-trips, and a follower takes each next list of the chain', () => {
    const decoded = decodeDeviceList(second, account.publicIdentity, p);
    expect(decoded.serial).toBe(2);
    expect(decoded.accountId).toBe(ACCOUNT_ID);
    expect(decoded.devices.map((d) => d.name)).toEqual(['Device 1', 'Device 2']);
    expect(decoded.devices[1]?.identity).toEqual(desktop.identity);
    let held = acceptDeviceList(first, account.publicIdentity, ACCOUNT_ID, undefined, p);
    held = acceptDeviceList(second, account.publicIdentity, ACCOUNT_ID, held, p);
    held = acceptDeviceList(third, account.publicIdentity, ACCOUNT_ID, held, p);
    expect(held.list.devices.map((d) => d.peerId)).toEqual([desktop.peerId, phone.peerId]);
  });

  it('refuses a replayed or repeated list (stale), a skipped one (gap) and a fork', () => {
    const held1 = acceptDeviceList(first, account.publicIdentity, ACCOUNT_ID, undefined, p);
    const held2 = acceptDeviceList(second, account.publicIdentity, ACCOUNT_ID, held1, p);
    expect(codeOf(() => acceptDeviceList(first, account.publicIdentity, ACCOUNT_ID, held2, p))).toBe('stale');
    expect(codeOf(() => acceptDeviceList(second, account.publicIdentity, ACCOUNT_ID, held2, p))).toBe(
      'stale',
    );
    expect(codeOf(() => acceptDeviceList(third, account.publicIdentity, ACCOUNT_ID, held1, p))).toBe('gap');
    // Serial 2 again, but removing the laptop instead of adding a device: a fork of the chain.
    const fork = createDeviceList(
      account,
      fields({ serial: 3, devices: [phone], previous: deviceListHash(first, p) }),
      p,
    );
    expect(codeOf(() => acceptDeviceList(fork, account.publicIdentity, ACCOUNT_ID, held2, p))).toBe('fork');
  });

  it('refuses a list signed by anyone else, a changed byte, or another account', () => {
    const forged = createDeviceList(other, fields(), p);
    expect(codeOf(() => decodeDeviceList(forged, account.publicIdentity, p))).toBe('bad-signature');
    for (const at of [0, 5, 20, first.length - 40, first.length - 1]) {
      const tampered = first.slice();
      tampered[at] = (tampered[at] as number) ^ 1;
      expect(codeOf(() => decodeDeviceList(tampered, account.publicIdentity, p))).toMatch(
        /bad-signature|bad-version|bad-length|truncated|bad-field|trailing-bytes/,
      );
    }
    expect(codeOf(() => acceptDeviceList(first, account.publicIdentity, 'someone-else', undefined, p))).toBe(
      'wrong-account',
    );
  });

  it('bounds and checks every field, on both sides', () => {
    expect(
      codeOf(() => decodeDeviceList(first.subarray(0, first.length - 1), account.publicIdentity, p)),
    ).toBe('truncated');
    const trailing = new Uint8Array(first.length + 1);
    trailing.set(first);
    expect(codeOf(() => decodeDeviceList(trailing, account.publicIdentity, p))).toBe('trailing-bytes');
    const nine = Array.from({ length: DEVICE_LIST_MAX_DEVICES + 1 }, (_, i) => device(10 + i));
    expect(codeOf(() => createDeviceList(account, fields({ devices: nine }), p))).toBe('bad-length');
    expect(codeOf(() => createDeviceList(account, fields({ devices: [] }), p))).toBe('bad-length');
    expect(
      codeOf(() =>
        createDeviceList(account, fields({ devices: [laptop, { ...desktop, peerId: laptop.peerId }] }), p),
      ),
    ).toBe('bad-field');
    expect(
      codeOf(() =>
        createDeviceList(
          account,
          fields({ devices: [laptop, { ...desktop, identity: laptop.identity }] }),
          p,
        ),
      ),
    ).toBe('bad-field');
    expect(codeOf(() => createDeviceList(account, fields({ serial: 0 }), p))).toBe('bad-field');
    expect(codeOf(() => createDeviceList(account, fields({ serial: 2 }), p))).toBe('bad-field'); // serial 2 with no predecessor
    expect(codeOf(() => createDeviceList(account, fields({ previous: new Uint8Array(31) }), p))).toBe(
      'bad-length',
    );
    expect(codeOf(() => createDeviceList(account, fields({ devices: [{ ...laptop, name: '' }] }), p))).toBe(
      'bad-length',
    );
    expect(
      codeOf(() => createDeviceList(account, fields({ devices: [{ ...laptop, name: 'x'.repeat(65) }] }), p)),
    ).toBe('bad-length');
  });

  it('is deterministic: the same fields and key give the same bytes', () => {
    expect(createDeviceList(account, fields(), p)).toEqual(first);
  });
});
