/**
 * /parley/punch/1.0.0 (hole-punch.ts): the CONNECT codec refuses every address a contact could
 * use to aim our dials at our own network, what peers observe of us gives our public IPs and
 * the NAT kind (observed.ts), strangers are reset before a byte is read, and a
 * contact's malformed or private offer ends the punch without a dial. The punch itself (two
 * homes behind cone NATs going direct) is tested in test/net-lab/reach.test.ts.
 */
import { multiaddr } from '@multiformats/multiaddr';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeConnect, encodeConnect, encodeFrames, PUNCH_PROTOCOL } from '../src/index.ts';
import { createObservedAddresses } from '../src/observed.ts';
import { Cleanup, closed, eventually, rawPeer, startTransport } from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('CONNECT codec', () => {
  it('round-trips an offer, byte for byte as docs/PROTOCOL.md shows', () => {
    const frame = encodeConnect({ port: 40001, ips: ['198.18.2.2'] });
    expect([...encodeFrames([frame])]).toEqual([0x08, 0x01, 0x9c, 0x41, 0x01, 0xc6, 0x12, 0x02, 0x02]);
    expect(decodeConnect(frame, true)).toEqual({ port: 40001, ips: ['198.18.2.2'] });
    const public2 = { port: 50000, ips: ['8.8.4.4', '1.1.1.1'] };
    expect(decodeConnect(encodeConnect(public2), false)).toEqual(public2);
  });

  it('refuses loopback, LAN and special-purpose addresses, low ports and bad lengths', () => {
    const refused = (port: number, ips: string[], lab = false) =>
      decodeConnect(encodeConnect({ port, ips }), lab) === null;
    for (const ip of ['127.0.0.1', '10.0.0.1', '192.168.1.1', '172.16.0.1', '169.254.1.1', '100.64.0.1'])
      expect(refused(40000, [ip], true), ip).toBe(true);
    expect(refused(40000, ['198.18.2.2'], false)).toBe(true); // the lab range only counts in the lab
    expect(refused(40000, ['8.8.8.8', '127.0.0.1'])).toBe(true); // one bad address spoils the offer
    expect(refused(1023, ['8.8.8.8'])).toBe(true);
    expect(refused(40000, [])).toBe(true);
    expect(refused(40000, ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4', '1.1.1.5'])).toBe(true);
    const ok = encodeConnect({ port: 40000, ips: ['8.8.8.8'] });
    expect(decodeConnect(ok.subarray(0, 7), false)).toBeNull();
    expect(decodeConnect(Uint8Array.of(...ok, 0), false)).toBeNull();
    expect(decodeConnect(Uint8Array.of(0x02, ...ok.subarray(1)), false)).toBeNull();
  });

  it('never throws on arbitrary bytes, and what it accepts re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.boolean(), (bytes, lab) => {
        const offer = decodeConnect(bytes, lab);
        if (offer) expect([...encodeConnect(offer)]).toEqual([...bytes]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('/parley/punch admission', () => {
  it('resets a stranger before reading a byte', async () => {
    const victim = await startTransport(cleanup);
    victim.setAdmission(() => false);
    const stranger = await rawPeer(cleanup);
    const stream = await stranger.dialProtocol(multiaddr(victim.addresses()[0] as string), PUNCH_PROTOCOL);
    expect(await closed(stream)).not.toBe('open');
    expect(victim.stats().holePunch).toMatchObject({ attempts: 0, inProgress: 0 });
  });

  it('ends a contact’s punch that offers a loopback address, without dialling it', async () => {
    const victim = await startTransport(cleanup);
    const contact = await rawPeer(cleanup);
    victim.setAdmission((peer) => peer === contact.peerId.toString());
    const stream = await contact.dialProtocol(multiaddr(victim.addresses()[0] as string), PUNCH_PROTOCOL);
    stream.send(encodeFrames([encodeConnect({ port: 40000, ips: ['127.0.0.1'] })]));
    expect(await closed(stream)).not.toBe('open');
    await eventually(() => victim.stats().holePunch.failed === 1, 5_000, 'the punch to be counted failed');
    expect(victim.stats().holePunch).toMatchObject({ attempts: 1, direct: 0, inProgress: 0 });
    expect(victim.node.getConnections(contact.peerId).length).toBe(1); // no second (punched) connection
  });
});

describe('observed addresses (observed.ts)', () => {
  type Seen = Parameters<ReturnType<typeof createObservedAddresses>['add']>[0];
  const seen = (
    observed: string,
    witness: string,
    peer: string,
    extra: { direction?: 'inbound' | 'outbound'; limited?: boolean } = {},
  ): Seen =>
    ({
      observedAddr: multiaddr(observed),
      connection: {
        direction: extra.direction ?? 'outbound',
        limits: extra.limited ? { bytes: 1n } : undefined,
        remoteAddr: multiaddr(`/ip4/${witness}/udp/4001/quic-v1`),
        remotePeer: { toString: () => peer },
      },
    }) as unknown as Seen;

  it('one external QUIC port seen by two witnesses is a cone NAT; two ports a symmetric one', () => {
    const cone = createObservedAddresses(false);
    cone.add(seen('/ip4/8.8.8.8/udp/40000/quic-v1', '1.1.1.1', 'relay1'));
    expect(cone.nat()).toBe('unknown'); // one witness proves nothing
    cone.add(seen('/ip4/8.8.8.8/udp/40000/quic-v1', '1.1.1.1', 'relay1b'));
    expect(cone.nat()).toBe('unknown'); // two peers behind one address are one witness
    cone.add(seen('/ip4/8.8.8.8/udp/40000/quic-v1', '9.9.9.9', 'relay2'));
    expect(cone.nat()).toBe('cone');
    expect(cone.ips()).toEqual(['8.8.8.8']);
    cone.add(seen('/ip4/8.8.8.8/udp/51234/quic-v1', '4.4.4.4', 'relay3'));
    expect(cone.nat()).toBe('symmetric');
  });

  it('ignores what strangers dialling us, relays and private addresses say; keeps the newest IPs', () => {
    const o = createObservedAddresses(false);
    o.add(seen('/ip4/8.8.8.8/udp/1/quic-v1', '1.1.1.1', 'a', { direction: 'inbound' }));
    o.add(seen('/ip4/8.8.8.8/udp/1/quic-v1', '1.1.1.1', 'b', { limited: true }));
    o.add(seen('/ip4/192.168.1.2/udp/1/quic-v1', '1.1.1.1', 'c'));
    o.add(seen('/ip4/127.0.0.1/tcp/1', '1.1.1.1', 'd'));
    expect(o.ips()).toEqual([]);
    for (let i = 1; i <= 6; i++) o.add(seen(`/ip4/8.8.8.${i}/tcp/1`, '1.1.1.1', `p${i}`));
    expect(o.ips()).toEqual(['8.8.8.6', '8.8.8.5', '8.8.8.4', '8.8.8.3']);
    expect(o.nat()).toBe('unknown'); // TCP ports are per connection: they say nothing about the NAT
  });
});
