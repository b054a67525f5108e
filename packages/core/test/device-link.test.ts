/**
 * Linking a device over /parley/query (devices/link-protocol.ts): the link is one-time, proves the
 * secret, refuses strangers with one answer, resumes for the same device, and expires.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createPendingDevice, linkRequest } from '../src/devices/link.ts';
import { decodeDeviceLink, encodeDeviceLink, requestLink } from '../src/devices/link-protocol.ts';
import type { Transport } from '../src/ports/transport.ts';
import { createMemoryNetwork } from '../src/testing/memory-transport.ts';
import { makePeer, type Peer } from './harness.ts';

const p = { primitives: nodePrimitives };
let peers: Peer[] = [];
let transports: Transport[] = [];

afterEach(async () => {
  for (const x of peers) await x.messenger.stop();
  for (const t of [...transports, ...peers.map((x) => x.transport)]) await t.stop();
  peers = [];
  transports = [];
});

async function setup() {
  const network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  peers.push(alice);
  const newDevice = (name: string) => {
    const transport = network.createTransport(`12D3KooW${name}`);
    transports.push(transport);
    const device = createPendingDevice(
      { peerId: `12D3KooW${name}`, name, now: Date.now() },
      systemRandom,
      nodePrimitives,
    );
    return { transport, card: linkRequest(device, [], Date.now(), nodePrimitives) };
  };
  return { alice, newDevice };
}

describe('device links', () => {
  it('a link is used once: the same device resumes, another device is refused', async () => {
    const { alice, newDevice } = await setup();
    const offer = decodeDeviceLink(alice.messenger.createDeviceLink().link, Date.now());
    const laptop = newDevice('laptop');
    const grant = await requestLink(p, laptop.transport, offer, laptop.card);
    // Killed before it stored the grant, the laptop asks again with the same card: the same grant.
    expect(await requestLink(p, laptop.transport, offer, laptop.card)).toEqual(grant);
    const phone = newDevice('phone');
    await expect(requestLink(p, phone.transport, offer, phone.card)).rejects.toMatchObject({
      code: 'bad-link',
    });
    expect(alice.messenger.devices()).toHaveLength(2);
  });

  it('approved, then the approving device went down before the grant was fetched: a new link finishes it', async () => {
    const { alice, newDevice } = await setup();
    const first = decodeDeviceLink(alice.messenger.createDeviceLink().link, Date.now());
    const laptop = newDevice('laptop');
    await requestLink(p, laptop.transport, first, laptop.card); // approved: the list names the laptop
    const serial = () => alice.store.transaction((tx) => tx.getDeviceList('self')?.length);
    const listBefore = alice.store.transaction((tx) => tx.getDeviceList('self'));
    expect(serial()).toBeGreaterThan(0);
    // (restarted: the open link and its grant are gone) A new link, the same pending device.
    await alice.messenger.stop();
    await alice.messenger.start();
    const second = decodeDeviceLink(alice.messenger.createDeviceLink().link, Date.now());
    const grant = await requestLink(p, laptop.transport, second, laptop.card);
    expect(grant.length).toBeGreaterThan(0);
    // The same list: no second entry, no new serial for the same device.
    expect(alice.store.transaction((tx) => tx.getDeviceList('self'))).toEqual(listBefore);
    expect(alice.messenger.devices()).toHaveLength(2);
    // A device with another key under that PeerId is still refused.
    const other = createPendingDevice(
      { peerId: '12D3KooWlaptop', name: 'laptop', now: Date.now() },
      systemRandom,
      nodePrimitives,
    );
    const third = decodeDeviceLink(alice.messenger.createDeviceLink().link, Date.now());
    await expect(
      requestLink(p, laptop.transport, third, linkRequest(other, [], Date.now(), nodePrimitives)),
    ).rejects.toBeDefined();
    expect(alice.messenger.devices()).toHaveLength(2);
  });

  it('a wrong secret learns nothing and links nothing', async () => {
    const { alice, newDevice } = await setup();
    const offer = decodeDeviceLink(alice.messenger.createDeviceLink().link, Date.now());
    const forged = { ...offer, secret: systemRandom(32) };
    const laptop = newDevice('laptop');
    await expect(requestLink(p, laptop.transport, forged, laptop.card)).rejects.toMatchObject({
      code: 'bad-link',
    });
    expect(alice.messenger.devices()).toHaveLength(1);
  });

  it('refuses expired and damaged links with errors that say what to do', async () => {
    const { alice } = await setup();
    const { link, expiresAt } = alice.messenger.createDeviceLink();
    expect(expiresAt - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(() => decodeDeviceLink(link, expiresAt + 1)).toThrow(
      expect.objectContaining({ code: 'link-expired' }),
    );
    expect(() => decodeDeviceLink(`${link.slice(0, 30)}!!`, Date.now())).toThrow(
      expect.objectContaining({ code: 'bad-link' }),
    );
    expect(() => decodeDeviceLink('parley://invite/abc', Date.now())).toThrow(/parley:\/\/device\//);
    const offer = decodeDeviceLink(link, Date.now());
    expect(decodeDeviceLink(encodeDeviceLink(offer), Date.now())).toEqual(offer);
  });

  it('at most 4 links open at once', async () => {
    const { alice } = await setup();
    for (let i = 0; i < 4; i++) alice.messenger.createDeviceLink();
    expect(() => alice.messenger.createDeviceLink()).toThrow(
      expect.objectContaining({ code: 'not-allowed' }),
    );
  });
});
