import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type AddressScope, addressScope, vouchedAddresses } from '../src/contacts/address-scope.ts';

const P = '/tcp/4001/p2p/12D3KooWQ9rGkDzYVQz4rN6kHf1z7qf9hD1W4sJ3T8VbGx2vE5cA';

describe('addressScope', () => {
  const cases: Array<[string, AddressScope]> = [
    ['/ip4/0.0.0.0', 'unspecified'],
    ['/ip4/0.1.2.3', 'unspecified'],
    ['/ip4/127.0.0.1', 'loopback'],
    ['/ip4/127.255.0.9', 'loopback'],
    ['/ip4/10.0.0.1', 'private'],
    ['/ip4/172.16.0.1', 'private'],
    ['/ip4/172.31.255.255', 'private'],
    ['/ip4/172.32.0.1', 'public'],
    ['/ip4/172.15.0.1', 'public'],
    ['/ip4/192.168.1.20', 'private'],
    ['/ip4/192.169.1.20', 'public'],
    ['/ip4/100.64.0.1', 'cgnat'],
    ['/ip4/100.127.255.1', 'cgnat'],
    ['/ip4/100.128.0.1', 'public'],
    ['/ip4/100.63.0.1', 'public'],
    ['/ip4/169.254.10.10', 'link-local'],
    ['/ip4/224.0.0.251', 'multicast'],
    ['/ip4/239.255.255.250', 'multicast'],
    ['/ip4/240.0.0.1', 'reserved'],
    ['/ip4/255.255.255.255', 'reserved'],
    ['/ip4/8.8.8.8', 'public'],
    ['/ip4/203.0.113.5', 'public'],
    ['/ip6/::', 'unspecified'],
    ['/ip6/::1', 'loopback'],
    ['/ip6/0:0:0:0:0:0:0:1', 'loopback'],
    ['/ip6/fe80::1', 'link-local'],
    ['/ip6/febf::1', 'link-local'],
    ['/ip6/fe80::1%eth0', 'link-local'],
    ['/ip6/fc00::1', 'ula'],
    ['/ip6/fd12:3456:789a::1', 'ula'],
    ['/ip6/ff02::1', 'multicast'],
    ['/ip6/2001:db8::1', 'public'],
    ['/ip6/2a00:1450:4001:82b::200e', 'public'],
    ['/ip6/::ffff:192.168.1.1', 'private'],
    ['/ip6/::ffff:127.0.0.1', 'loopback'],
    ['/ip6/::ffff:8.8.8.8', 'public'],
    ['/ip6/::ffff:c0a8:101', 'private'],
    ['/ip6/100::1', 'reserved'],
    ['/dns4/example.com', 'dns'],
    ['/dns6/example.com', 'dns'],
    ['/dns/localhost', 'dns'],
    ['/dnsaddr/bootstrap.libp2p.io', 'dns'],
    ['/memory/abc', 'other'],
    ['/unix/tmp/x.sock', 'other'],
    ['/p2p/12D3KooWQ9rGkDzYVQz4rN6kHf1z7qf9hD1W4sJ3T8VbGx2vE5cA/p2p-circuit', 'other'],
    ['', 'other'],
    ['ip4/8.8.8.8', 'other'],
    ['/ip4/256.1.1.1', 'other'],
    ['/ip4/1.2.3', 'other'],
    ['/ip4/01.2.3.4', 'other'],
    ['/ip4/1.2.3.4.5', 'other'],
    ['/ip6/1::2::3', 'other'],
    ['/ip6/12345::1', 'other'],
    ['/ip6/1:2:3:4:5:6:7:8:9', 'other'],
    ['/ip6/1:2:3:4:5:6:7', 'other'],
    ['/ip6/g::1', 'other'],
  ];
  it.each(cases)('%s is %s', (address, scope) => {
    expect(addressScope(address)).toBe(scope);
    if (address) expect(addressScope(address + P)).toBe(scope);
  });

  it('classifies a relay address by the relay it is dialled at', () => {
    const circuit = `/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWPeer`;
    expect(addressScope(`/ip4/192.168.0.9/tcp/4001${circuit}`)).toBe('private');
    expect(addressScope(`/ip4/198.51.100.1/tcp/4001${circuit}`)).toBe('public');
    expect(addressScope(`/dns4/relay.example/tcp/443/wss${circuit}`)).toBe('dns');
  });

  it('agrees with node:net on what parses (1 000 generated addresses)', () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 1000; i++) {
      const v4 = [next(300), next(256), next(256), next(256)].join('.');
      expect(addressScope(`/ip4/${v4}`) !== 'other', v4).toBe(isIP(v4) === 4);
      const groups = Array.from({ length: 8 }, () => next(0x10000).toString(16));
      const cut = next(8);
      const v6 = next(2)
        ? groups.join(':')
        : `${groups.slice(0, cut).join(':')}::${groups.slice(cut + 1).join(':')}`;
      expect(addressScope(`/ip6/${v6}`) !== 'other', v6).toBe(isIP(v6) === 6);
    }
  });
});

describe('vouchedAddresses', () => {
  const card = [
    `/ip4/203.0.113.5${P}`,
    `/ip4/192.168.1.20${P}`,
    `/ip4/10.0.0.3${P}`,
    `/ip4/127.0.0.1${P}`,
    `/dns4/router.lan${P}`,
    `/ip6/fd00:1:2:3::20${P}`,
    `/ip6/fe80::20${P}`,
    `/ip4/100.64.3.4${P}`,
    `/ip4/0.0.0.0${P}`,
    `/ip4/224.0.0.1${P}`,
  ];

  it('keeps only public addresses when the introducer is reachable only publicly', () => {
    expect(vouchedAddresses(card, [`/ip4/198.51.100.9${P}`])).toEqual([`/ip4/203.0.113.5${P}`]);
    expect(vouchedAddresses(card, [])).toEqual([`/ip4/203.0.113.5${P}`]);
  });

  it('keeps a private address only in the same /16 or /64 as one of the introducer’s', () => {
    const admin = [`/ip4/192.168.7.1${P}`, `/ip6/fd00:1:2:3::1${P}`, `/ip4/100.64.200.1${P}`];
    expect(vouchedAddresses(card, admin)).toEqual([
      `/ip4/203.0.113.5${P}`,
      `/ip4/192.168.1.20${P}`,
      `/ip6/fd00:1:2:3::20${P}`,
      `/ip4/100.64.3.4${P}`,
    ]);
    // 10.0.0.3 is private too, but the admin is not in 10.0/16
    expect(vouchedAddresses([`/ip4/10.0.0.3${P}`], [`/ip4/10.1.0.1${P}`])).toEqual([]);
    expect(vouchedAddresses([`/ip6/fd00:1:2:4::20${P}`], admin)).toEqual([]);
  });

  it('keeps loopback only if the introducer has loopback addresses, and never DNS names', () => {
    const admin = [`/ip4/127.0.0.1/tcp/5000${P}`, `/dns4/router.lan${P}`];
    expect(vouchedAddresses(card, admin)).toEqual([`/ip4/203.0.113.5${P}`, `/ip4/127.0.0.1${P}`]);
    expect(vouchedAddresses([`/ip6/::1${P}`], [`/ip6/::1${P}`])).toEqual([`/ip6/::1${P}`]);
  });

  it('keeps at most 4 addresses of one card', () => {
    const many = Array.from({ length: 16 }, (_, i) => `/ip4/203.0.113.${i + 1}${P}`);
    expect(vouchedAddresses(many, [])).toEqual(many.slice(0, 4));
  });
});
