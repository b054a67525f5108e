/**
 * An in-process Parley peer (core + @parley/net on loopback + an in-memory
 * store) that can befriend a real daemon through an ordinary invite. Used
 * where a test needs to do what no RPC offers: pull chunks of a file by id
 * over `/parley/file` with a contact's real key, or act as a hostile sender.
 *
 * `rewritePlaintext` lets a test play a hostile (modified) client: it sees
 * every plaintext this peer seals with `aeadSeal` or `aeadSealMessage` (app
 * messages, as the ratchet encrypts them) and may return different bytes of
 * the same length (the ratchet seals into a message already sized for them). The receiving daemon
 * then gets exactly those bytes, authenticated: nothing a real client could
 * not send.
 */
import { randomBytes } from 'node:crypto';
import {
  createAccount,
  createMemoryBlobStore,
  createMemoryStore,
  createMessenger,
  type Messenger,
} from '@parley/core';
import { type Primitives, systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { createParleyTransport, generatePeerKey, type ParleyTransport, peerIdOfKey } from '@parley/net';

export interface InProcessPeer {
  readonly messenger: Messenger;
  readonly transport: ParleyTransport;
  readonly peerId: string;
  stop(): Promise<void>;
}

export interface InProcessPeerOptions {
  readonly rewritePlaintext?: (plaintext: Uint8Array) => Uint8Array;
}

export async function inProcessPeer(
  name: string,
  options: InProcessPeerOptions = {},
): Promise<InProcessPeer> {
  const peerKey = generatePeerKey();
  const peerId = peerIdOfKey(peerKey);
  const store = createMemoryStore();
  const rewrite = options.rewritePlaintext;
  const primitives: Primitives = rewrite
    ? {
        ...nodePrimitives,
        aeadSeal: (key, nonce, plaintext, aad) =>
          nodePrimitives.aeadSeal(key, nonce, rewrite(plaintext), aad),
        aeadSealMessage: (key, nonce, plaintext, ad, message, headerBytes) =>
          nodePrimitives.aeadSealMessage!(
            key,
            nonce,
            sameLength(plaintext, rewrite(plaintext)),
            ad,
            message,
            headerBytes,
          ),
      }
    : nodePrimitives;
  const account = await createAccount(store, {
    name,
    secret: { keyFile: new Uint8Array(randomBytes(32)) },
    peerId,
    peerKey,
    primitives: nodePrimitives,
    random: systemRandom,
    now: Date.now(),
  });
  const transport = await createParleyTransport({
    privateKey: peerKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    dhtAllowPrivateAddresses: true,
  });
  const messenger = createMessenger({
    store,
    transport,
    account,
    primitives,
    random: systemRandom,
    blobs: createMemoryBlobStore(),
  });
  await messenger.start();
  return {
    messenger,
    transport,
    peerId,
    async stop() {
      await messenger.stop();
      await transport.stop();
      store.close();
    },
  };
}

/** Replaces the first occurrence of `from` (UTF-8) in `bytes` with `to`; the input when absent. */
function sameLength(before: Uint8Array, after: Uint8Array): Uint8Array {
  if (after.length !== before.length)
    throw new Error(`rewritePlaintext changed the length (${before.length} → ${after.length}): keep it`);
  return after;
}

export function replaceBytes(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const haystack = Buffer.from(bytes);
  const at = haystack.indexOf(from, 0, 'utf8');
  if (at < 0) return bytes;
  return new Uint8Array(
    Buffer.concat([haystack.subarray(0, at), Buffer.from(to, 'utf8'), haystack.subarray(at + from.length)]),
  );
}
