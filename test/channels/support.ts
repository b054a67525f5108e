/**
 * In-process channel nodes: a full Messenger (memory store, real libp2p
 * transport from @parley/net on loopback, gossipsub and /parley/query for
 * real) — many of them in one process, since 50 daemons do not fit 2 cores.
 */
import {
  type Account,
  createAccount,
  createMemoryBlobStore,
  createMemoryStore,
  createMessenger,
  type Messenger,
  type Store,
} from '@parley/core';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { createParleyTransport, generatePeerKey, type ParleyTransport, peerIdOfKey } from '@parley/net';

export interface ChannelNode {
  readonly name: string;
  readonly store: Store;
  readonly account: Account;
  transport: ParleyTransport;
  messenger: Messenger;
  /** post ids seen through the 'post' event, with counts. */
  readonly seen: Map<string, number>;
}

export interface NodeOptions {
  /** libp2p connection limit (default MAX_CONNECTIONS). */
  readonly maxConnections?: number;
  /** Messenger limits (e.g. groupTopicMinMembers, so a few nodes form a "large" group). */
  readonly limits?: { readonly groupTopicMinMembers?: number };
}

async function online(node: Omit<ChannelNode, 'transport' | 'messenger'>, options: NodeOptions) {
  const transport = await createParleyTransport({
    privateKey: node.account.peerKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    dhtAllowPrivateAddresses: true,
    inboundConnectionsPerIpPerSecond: 100_000,
    pubsubColocationWhitelist: ['127.0.0.1'],
    ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
  });
  const messenger = createMessenger({
    store: node.store,
    transport,
    account: node.account,
    blobs: createMemoryBlobStore(),
    primitives: nodePrimitives,
    random: systemRandom,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  messenger.events.on('post', (v) => node.seen.set(v.id, (node.seen.get(v.id) ?? 0) + 1));
  await messenger.start();
  return { transport, messenger };
}

export async function startNode(name: string, options: NodeOptions = {}): Promise<ChannelNode> {
  const store = createMemoryStore();
  const peerKey = generatePeerKey();
  const account = await createAccount(store, {
    name,
    secret: { keyFile: systemRandom(32) },
    peerId: peerIdOfKey(peerKey),
    peerKey,
    primitives: nodePrimitives,
    random: systemRandom,
    now: Date.now(),
  });
  const base = { name, store, account, seen: new Map<string, number>() };
  return { ...base, ...(await online(base, options)) };
}

/** Stops the node's messenger and libp2p node; its store and keys stay. */
export async function stopNode(node: ChannelNode): Promise<void> {
  await node.messenger.stop();
  await node.transport.stop();
}

/** Brings a stopped node back with the same PeerId, store and account (new port). */
export async function restartNode(node: ChannelNode, options: NodeOptions = {}): Promise<void> {
  const { transport, messenger } = await online(node, options);
  node.transport = transport;
  node.messenger = messenger;
}

export async function eventually(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
