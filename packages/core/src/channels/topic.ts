/**
 * Where a channel's posts travel on gossipsub (docs/PROTOCOL.md §5 "Topics",
 * docs/CHANNELS.md "Propagation"). Integers big-endian.
 *
 * Public channel: `parley/channel/ ‖ hex(SHA-256("parley-channel-topic-v1" ‖ id)[0..16])`, posts
 * as they are (signed, in clear): whoever has the link can find the topic, as intended.
 *
 * Private channel (topic format v2): nothing on the topic is linkable to the channel without a
 * content key. Per epoch e, from that epoch's content key K (only the owner, publishers and
 * approved followers hold it):
 *
 *   topic    = "parley/channel/" ‖ hex(HKDF-SHA256(ikm = K, salt = id (16),
 *                                        info = "Parley_ChannelTopic_v2" ‖ e u32, L = 16))
 *   key      = HKDF-SHA256(ikm = K, salt = id (16), info = "Parley_ChannelEnvelope_v2" ‖ e u32, L = 32)
 *   envelope = version u8 (= 2) ‖ nonce (12, random)
 *            ‖ ChaCha20-Poly1305(key, nonce, post or signed descriptor,
 *                                aad = "parley-channel-envelope-v2" ‖ UTF-8 topic)
 *
 * The envelope hides the post header (channel id, publisher key id, seq, timestamp) and the
 * signature from anyone without K; inside it is the unchanged post (§5 "Post"). A new epoch (a
 * follower removed) is a new topic: a removed follower cannot even see when posts are made.
 */
import type { Primitives } from '@parley/crypto';
import { concat, fromHex, toHex, utf8 } from '../base/index.ts';
import { PUBSUB_MESSAGE_MAX_BYTES } from '../ports/index.ts';
import { channelTopic } from './codec.ts';

export const CHANNEL_ENVELOPE_VERSION = 2;
const TOPIC_INFO = 'Parley_ChannelTopic_v2';
const ENVELOPE_INFO = 'Parley_ChannelEnvelope_v2';
const ENVELOPE_AAD_DOMAIN = utf8('parley-channel-envelope-v2');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Envelope bytes around the sealed post. */
export const CHANNEL_ENVELOPE_OVERHEAD_BYTES: number = 1 + NONCE_BYTES + TAG_BYTES;

/** The topic a channel's posts travel on, and (private channels) the envelope key. */
export interface ChannelTopic {
  readonly topic: string;
  /** Private channels: the key that seals what is published; public ones publish posts as they are. */
  readonly key: Uint8Array | undefined;
}

export function publicChannelTopic(p: Primitives, channelId: string): ChannelTopic {
  return { topic: channelTopic(p, channelId), key: undefined };
}

function info(label: string, epoch: number): Uint8Array {
  const out = new Uint8Array(label.length + 4);
  out.set(utf8(label));
  new DataView(out.buffer).setUint32(label.length, epoch);
  return out;
}

/**
 * A private channel's topic and envelope key for `epoch`, from that epoch's content key.
 *
 * @example
 *   const t = privateChannelTopic(p, contentKey, channelId, 1);
 *   await transport.publish(t.topic, sealEnvelope(p, random, t, post));
 */
export function privateChannelTopic(
  p: Primitives,
  contentKey: Uint8Array,
  channelId: string,
  epoch: number,
): ChannelTopic {
  const salt = fromHex(channelId);
  return {
    topic: `parley/channel/${toHex(p.hkdfSha256(contentKey, salt, info(TOPIC_INFO, epoch), 16))}`,
    key: p.hkdfSha256(contentKey, salt, info(ENVELOPE_INFO, epoch), 32),
  };
}

/** What to publish on `t`: `inner` itself on a public topic, sealed in an envelope on a private one. */
export function sealEnvelope(
  p: Primitives,
  random: (n: number) => Uint8Array,
  t: ChannelTopic,
  inner: Uint8Array,
): Uint8Array {
  if (!t.key) return inner;
  const nonce = random(NONCE_BYTES);
  const sealed = p.aeadSeal(t.key, nonce, inner, concat(ENVELOPE_AAD_DOMAIN, utf8(t.topic)));
  return concat(Uint8Array.of(CHANNEL_ENVELOPE_VERSION), nonce, sealed);
}

/** The post (or descriptor) inside what arrived on `t`; undefined if it is not a sealed envelope of `t`. */
export function openEnvelope(p: Primitives, t: ChannelTopic, data: Uint8Array): Uint8Array | undefined {
  if (!t.key) return data;
  if (data.length <= CHANNEL_ENVELOPE_OVERHEAD_BYTES || data.length > PUBSUB_MESSAGE_MAX_BYTES)
    return undefined;
  if (data[0] !== CHANNEL_ENVELOPE_VERSION) return undefined;
  const nonce = data.subarray(1, 1 + NONCE_BYTES);
  return p.aeadOpen(t.key, nonce, data.subarray(1 + NONCE_BYTES), concat(ENVELOPE_AAD_DOMAIN, utf8(t.topic)));
}
