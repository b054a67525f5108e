/**
 * Received files' names in the data folder (issue 18): keyed by the vault, so a name says nothing
 * to someone holding a list of PeerIds; files named the old (unkeyed) way are still found.
 */
import { createHash } from 'node:crypto';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { blobNameOf, inBlobName } from '../src/attachments/attachments.ts';
import type { Ctx } from '../src/context/index.ts';
import { createMemoryBlobStore } from '../src/ports/index.ts';

const PEER = '12D3KooWsomebodyWhoSentAFile';

/** Just what naming needs from a Ctx: the vault's key derivation and the primitives. */
function ctxWithKey(key: Uint8Array): Ctx {
  return {
    account: {
      vault: { deriveKey: (purpose: string) => (purpose === 'blob-names' ? key : systemRandom(32)) },
    },
    primitives: nodePrimitives,
  } as unknown as Ctx;
}

const unkeyedTag = createHash('sha256').update(PEER).digest('hex').slice(0, 16);

describe("received files' names", () => {
  it('depend on the vault key, and contain no unkeyed hash of the PeerId', () => {
    const a = inBlobName(ctxWithKey(systemRandom(32)), PEER, 'f1');
    const b = inBlobName(ctxWithKey(systemRandom(32)), PEER, 'f1');
    expect(a).toMatch(/^in-[0-9a-f]{16}-f1$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(unkeyedTag);
    const ctx = ctxWithKey(systemRandom(32));
    expect(inBlobName(ctx, PEER, 'f1')).toBe(inBlobName(ctx, PEER, 'f1'));
    expect(inBlobName(ctx, PEER, 'f1')).not.toBe(inBlobName(ctx, `${PEER}x`, 'f1'));
  });

  it('a file stored under the old name is still found; a new or resumed one takes the keyed name', async () => {
    const ctx = ctxWithKey(systemRandom(32));
    const blobs = createMemoryBlobStore();
    const record = { direction: 'in' as const, peerId: PEER, id: 'f2' };
    expect(await blobNameOf(ctx, blobs, record)).toBe(inBlobName(ctx, PEER, 'f2'));
    await blobs.write(`in-${unkeyedTag}-f2`, 0, new Uint8Array([1, 2, 3]));
    expect(await blobNameOf(ctx, blobs, record)).toBe(`in-${unkeyedTag}-f2`);
    await blobs.write(inBlobName(ctx, PEER, 'f2'), 0, new Uint8Array([4]));
    expect(await blobNameOf(ctx, blobs, record)).toBe(inBlobName(ctx, PEER, 'f2'));
    expect(await blobNameOf(ctx, blobs, { direction: 'out', peerId: '', id: 'f3' })).toBe('out-f3');
  });
});
