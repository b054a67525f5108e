/**
 * The introduction budget (intro.ts, limits.ts INTRO_*): per source, refused
 * introductions cost more, and bogus tokens from others — many PeerIds behind
 * one relay, or behind one IP — cannot lock out an invitee with a valid token.
 * Real libp2p nodes on loopback; the handler's "valid token" is a first byte 7.
 */

import type { Libp2p } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRelayNode,
  generatePeerKey,
  INTRO_MAX_PER_SOURCE,
  INTRO_REFUSED_COST,
  type ParleyTransport,
} from '../src/index.ts';
import {
  Cleanup,
  eventually,
  LOOPBACK_LISTEN,
  rawIntroduction,
  rawPeerFrom,
  startTransport,
} from './helpers.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const VALID = Uint8Array.of(7);
const BOGUS = Uint8Array.of(0);

function acceptValidToken(node: ParleyTransport): void {
  node.setIntroductionHandler(async ({ data }) => data[0] === VALID[0]);
}

describe('introduction budget', () => {
  it('bogus tokens from many relayed PeerIds do not lock out a relayed invitee with a valid token', async () => {
    const relay = await createRelayNode({
      privateKey: generatePeerKey(),
      listen: LOOPBACK_LISTEN,
      dhtAllowPrivateAddresses: true,
      inboundConnectionsPerIpPerSecond: 1000,
    });
    cleanup.add(async () => {
      await relay.stop();
    });
    const relayAddr = relay.getMultiaddrs()[0]!.toString();
    const introMaxGlobal = 5;
    const victim = await startTransport(
      cleanup,
      { listen: [], relays: [relayAddr] },
      { limits: { introMaxGlobal } },
    );
    await eventually(() => victim.addresses().some((a) => a.includes('/p2p-circuit')), 10_000, 'reservation');
    acceptValidToken(victim);
    const target = multiaddr(victim.addresses().find((a) => a.includes('/p2p-circuit')) as string);

    // more bogus attempts, each from a fresh PeerId behind the same relay, than the global budget
    const guessers: Libp2p[] = [];
    const verdicts: Array<number | string> = [];
    for (let i = 0; i < introMaxGlobal + 3; i++) {
      const guesser = await rawPeerFrom(cleanup, '127.0.0.1');
      guessers.push(guesser);
      verdicts.push(await rawIntroduction(guesser, target, BOGUS));
    }
    expect(verdicts).toEqual(verdicts.map(() => 0)); // each source was heard (and refused) once
    const invitee = await rawPeerFrom(cleanup, '127.0.0.1');
    expect(await rawIntroduction(invitee, target, VALID)).toBe(1);
    // the global budget is spent: a source that already failed gets no second chance
    expect(await rawIntroduction(guessers[0]!, target, BOGUS)).toBe('reset');
  });

  it('many PeerIds from one IP share its budget; a refused introduction costs INTRO_REFUSED_COST; other IPs are unaffected', async () => {
    const victim = await startTransport(cleanup);
    acceptValidToken(victim);
    const target = multiaddr(victim.addresses()[0] as string);
    const tries = Math.ceil(INTRO_MAX_PER_SOURCE / INTRO_REFUSED_COST) + 1;
    const verdicts: Array<number | string> = [];
    for (let i = 0; i < tries; i++)
      verdicts.push(await rawIntroduction(await rawPeerFrom(cleanup, '127.0.0.5'), target, BOGUS));
    expect(verdicts).toEqual([...verdicts.slice(0, -1).map(() => 0), 'reset']);
    // the source is spent, valid token or not; an invitee from another IP gets in
    expect(await rawIntroduction(await rawPeerFrom(cleanup, '127.0.0.5'), target, VALID)).toBe('reset');
    expect(await rawIntroduction(await rawPeerFrom(cleanup, '127.0.0.6'), target, VALID)).toBe(1);
  });

  it('accepted introductions cost 1: a source has INTRO_MAX_PER_SOURCE of them per window', async () => {
    const victim = await startTransport(cleanup);
    acceptValidToken(victim);
    const target = multiaddr(victim.addresses()[0] as string);
    const peer = await rawPeerFrom(cleanup, '127.0.0.7');
    const verdicts: Array<number | string> = [];
    for (let i = 0; i <= INTRO_MAX_PER_SOURCE; i++) verdicts.push(await rawIntroduction(peer, target, VALID));
    expect(verdicts).toEqual([...Array.from({ length: INTRO_MAX_PER_SOURCE }, () => 1), 'reset']);
  });
});
