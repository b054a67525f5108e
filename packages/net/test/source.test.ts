import { multiaddr } from '@multiformats/multiaddr';
import { describe, expect, it } from 'vitest';
import { parseIpv6, sourceOf } from '../src/source.ts';

const RELAY = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK';
const REMOTE = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq';

describe('sourceOf', () => {
  it('keys IPv4 by address and flags 127.0.0.0/8 as loopback', () => {
    expect(sourceOf(multiaddr('/ip4/203.0.113.7/tcp/4001'))).toEqual({ key: '203.0.113.7', loopback: false });
    expect(sourceOf(multiaddr('/ip4/127.0.0.2/tcp/4001/ws'))).toEqual({ key: '127.0.0.2', loopback: true });
  });

  it('keys IPv6 by its /56: one delegation is one source', () => {
    const a = sourceOf(multiaddr('/ip6/2001:db8:aa:bb01::1/tcp/1'));
    const b = sourceOf(multiaddr('/ip6/2001:db8:aa:bbff:1:2:3:4/tcp/1'));
    const c = sourceOf(multiaddr('/ip6/2001:db8:aa:bc00::1/tcp/1'));
    expect(a).toEqual({ key: 'ip6:2001:db8:aa:bb00:0:0:0:0/56', loopback: false });
    expect(b.key).toBe(a.key);
    expect(c.key).not.toBe(a.key);
    expect(sourceOf(multiaddr('/ip6/::1/tcp/1')).loopback).toBe(true);
    expect(sourceOf(multiaddr('/ip6/::ffff:127.0.0.1/tcp/1'))).toEqual({ key: '127.0.0.1', loopback: true });
  });

  it('keys a relayed connection by relay and remote PeerId, whatever the relay’s IP', () => {
    const via = (ip: string, remote: string) =>
      sourceOf(multiaddr(`/ip4/${ip}/tcp/1/p2p/${RELAY}/p2p-circuit/p2p/${remote}`));
    expect(via('127.0.0.1', REMOTE)).toEqual({ key: `relay:${RELAY}/${REMOTE}`, loopback: false });
    expect(via('198.51.100.1', REMOTE).key).toBe(via('127.0.0.1', REMOTE).key);
    expect(via('127.0.0.1', RELAY).key).not.toBe(via('127.0.0.1', REMOTE).key);
  });
});

describe('parseIpv6', () => {
  it('parses RFC 4291 §2.2 forms and refuses malformed ones', () => {
    expect(parseIpv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6('fe80::1:2')).toEqual([0xfe80, 0, 0, 0, 0, 0, 1, 2]);
    expect(parseIpv6('::ffff:192.0.2.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]);
    for (const bad of [
      '1::2::3',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      'g::1',
      '::1.2.3.256',
      '12345::',
      '1:2:3:4:5:6:7::8',
    ]) {
      expect(parseIpv6(bad)).toBeNull();
    }
  });
});
