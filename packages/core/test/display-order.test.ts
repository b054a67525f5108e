/**
 * D4 end to end on the in-memory network: display order follows the sender's sequence, and gaps
 * are visible, when a run of frames reaches the receiver after its successors. The sender's
 * transport "writes" the run to a connection that dies (send resolves, nothing arrives), as
 * happens when the receiver is killed; the successors go out on the next one, and the run comes
 * again later (a forced resend on reconnect, or the ACK timeout). This is what a receiver killed
 * mid-stream saw in test/durability/kills.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryNetwork } from '../src/testing/memory-transport.ts';
import type { MessageView } from '../src/views/messages.ts';
import { frameDigest } from '../src/wire/frame.ts';
import { befriend, eventually, makePeer, type Peer, stopPeers } from './harness.ts';

let peers: Peer[] = [];

afterEach(async () => {
  await stopPeers(peers);
  peers = [];
});

const TYPE_MSG = 1;
const text = (n: number): string => `m${String(n).padStart(3, '0')}`;
const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const incoming = (p: Peer): MessageView[] =>
  p.messenger.messages('alice', { limit: 1000 }).filter((m) => m.direction === 'in');

/**
 * alice sends texts 1…total to bob; the MSG frames of texts `held` (1-based, the order alice
 * first sends them in) are swallowed on their first send, as if written to a dead connection,
 * and delivered only after bob has committed everything else.
 */
async function overtaken(total: number, held: readonly [number, number]): Promise<Peer> {
  const network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob');
  peers = [alice, bob];
  await befriend(alice, bob);
  await eventually(() => alice.messenger.status().outbox === 0, 5_000, 'the welcome to be ACKed');

  const send = alice.transport.send.bind(alice.transport);
  const firstSent = new Map<string, number>(); // digest → which MSG frame it was
  const swallowed: Uint8Array[] = [];
  alice.transport.send = async (peer, frame, options) => {
    if (frame[1] !== TYPE_MSG) return send(peer, frame, options);
    const digest = frameDigest(frame);
    const index = firstSent.get(digest) ?? firstSent.size + 1;
    const first = !firstSent.has(digest);
    firstSent.set(digest, index);
    if (first && index >= held[0] && index <= held[1]) {
      swallowed.push(frame.slice());
      return; // "written": alice now waits for an ACK that will not come
    }
    return send(peer, frame, options);
  };

  for (const n of range(1, total)) alice.messenger.sendText('bob', text(n));
  const others = total - (held[1] - held[0] + 1);
  await eventually(() => incoming(bob).length === others, 10_000, `the ${others} not held back`);
  // While the run is missing, the gap shows on the message after it (D4).
  const after = incoming(bob).find((m) => m.text === text(held[1] + 1));
  expect(after?.gapBefore).toBe(true);

  for (const frame of swallowed) await send(bob.peerId, frame); // the run, in order, after its successors
  await eventually(() => incoming(bob).length === total, 10_000, 'all of them');
  await eventually(() => alice.messenger.status().outbox === 0, 5_000, 'the outbox to drain');
  return bob;
}

describe('D4: display order when frames arrive after their successors', () => {
  it('a run of 70 (longer than any fixed look-around) is shown in place, not last', async () => {
    const bob = await overtaken(150, [41, 110]);
    expect(incoming(bob).map((m) => m.text)).toEqual(range(1, 150).map(text));
    expect(incoming(bob).filter((m) => m.gapBefore)).toEqual([]);
  });

  it('a run of 60 after 100 others is shown in place, none tied with its successor', async () => {
    const bob = await overtaken(170, [101, 160]);
    const shown = incoming(bob);
    expect(shown.map((m) => m.text)).toEqual(range(1, 170).map(text));
    expect(new Set(shown.map((m) => m.sortKey)).size).toBe(shown.length);
  });
});
