/**
 * channels/topic.ts (docs/PROTOCOL.md §5 "Topics", format v2): a private
 * channel's topic and envelope key per epoch, and the envelope itself.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives as p } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/base/bytes.ts';
import { channelTopic } from '../src/channels/codec.ts';
import {
  CHANNEL_ENVELOPE_OVERHEAD_BYTES,
  openEnvelope,
  privateChannelTopic,
  publicChannelTopic,
  sealEnvelope,
} from '../src/channels/topic.ts';

const id = 'ab'.repeat(16);
const contentKey = new Uint8Array(32).fill(7);

describe('private channel topics (format v2)', () => {
  it('matches the vector (HKDF-SHA256 per RFC 5869, computed independently with Python hmac)', () => {
    const t = privateChannelTopic(p, contentKey, id, 1);
    expect(t.topic).toBe('parley/channel/888197e2cf168db537b8bd1871bd75bc');
    expect(toHex(t.key as Uint8Array)).toBe(
      '9e3f76d419dfb566bca356ac4bd87b7ccd2a01b50fe17f938e790dddc3e9262c',
    );
  });

  it('changes with the epoch and the key, and is not the id-derived (public) topic', () => {
    const one = privateChannelTopic(p, contentKey, id, 1);
    expect(privateChannelTopic(p, contentKey, id, 2).topic).not.toBe(one.topic);
    expect(privateChannelTopic(p, new Uint8Array(32).fill(8), id, 1).topic).not.toBe(one.topic);
    expect(one.topic).not.toBe(channelTopic(p, id));
    expect(publicChannelTopic(p, id)).toEqual({ topic: channelTopic(p, id), key: undefined });
  });

  it('seals and opens; a flipped bit, another epoch or another channel opens nothing', () => {
    const t = privateChannelTopic(p, contentKey, id, 1);
    const post = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const sealed = sealEnvelope(p, systemRandom, t, post);
    expect(sealed.length).toBe(post.length + CHANNEL_ENVELOPE_OVERHEAD_BYTES);
    expect(sealed[0]).toBe(2);
    expect(openEnvelope(p, t, sealed)).toEqual(post);
    for (const at of [0, 1, 13, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at] = (bad[at] as number) ^ 1;
      expect(openEnvelope(p, t, bad)).toBeUndefined();
    }
    expect(openEnvelope(p, privateChannelTopic(p, contentKey, id, 2), sealed)).toBeUndefined();
    expect(openEnvelope(p, privateChannelTopic(p, contentKey, 'cd'.repeat(16), 1), sealed)).toBeUndefined();
    expect(openEnvelope(p, t, sealed.subarray(0, CHANNEL_ENVELOPE_OVERHEAD_BYTES))).toBeUndefined();
    // a public topic carries posts as they are
    expect(sealEnvelope(p, systemRandom, publicChannelTopic(p, id), post)).toBe(post);
  });
});
