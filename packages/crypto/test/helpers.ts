/**
 * Test helpers: a deterministic RandomSource, both backends, a counting
 * Primitives wrapper and a tiny in-memory prekey store.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  createContactCard,
  createIdentity,
  createKemPrekey,
  createOneTimeKemPrekeys,
  createOneTimePrekeys,
  createSignedPrekey,
  decodeContactCard,
  type Identity,
  type KemPrekeyPair,
  noblePrimitives,
  type PrekeyLookup,
  type PrekeyPair,
  type Primitives,
  type RandomSource,
} from '../src/index.ts';
import { nodeOnlyPrimitives, nodePrimitives, wasmAeadReady } from '../src/node/index.ts';

// The node backend's small AEADs run in WebAssembly once loaded: every test using it runs on that path.
if (!(await wasmAeadReady())) throw new Error('libsodium WebAssembly did not load');

/** Both backends, for `describe.each`. */
export const backends: readonly (readonly [string, Primitives])[] = [
  ['noble', noblePrimitives],
  ['node', nodePrimitives],
];

/** Every backend variant for the Wycheproof files: noble, node (default: WebAssembly AEAD) and all-node:crypto. */
export const allBackends: readonly (readonly [string, Primitives])[] = [
  ...backends,
  ['node-only', nodeOnlyPrimitives],
];

/**
 * Deterministic test RNG (SPEC.md §1.2 / test/vectors/README.md), a byte stream:
 * block i = SHA-256(seed ‖ u32be(i)), output = block0 ‖ block1 ‖ … consumed in order.
 */
export function seededRandom(seed: Uint8Array | string): RandomSource {
  const s = typeof seed === 'string' ? new TextEncoder().encode(seed) : seed;
  let counter = 0;
  let pool = new Uint8Array(0);
  return (length: number) => {
    while (pool.length < length) {
      const input = new Uint8Array(s.length + 4);
      input.set(s);
      new DataView(input.buffer).setUint32(s.length, counter++);
      const next = new Uint8Array(pool.length + 32);
      next.set(pool);
      next.set(sha256(input), pool.length);
      pool = next;
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

/** Wrap a backend and count every primitive call (`names()`: the primitives called, in order). */
export function counting(p: Primitives): {
  readonly p: Primitives;
  readonly calls: () => number;
  readonly names: () => readonly string[];
} {
  const log: string[] = [];
  const wrapped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    wrapped[k] =
      typeof v === 'function'
        ? (...args: unknown[]) => {
            log.push(k);
            return (v as (...a: unknown[]) => unknown)(...args);
          }
        : v;
  }
  return { p: wrapped as unknown as Primitives, calls: () => log.length, names: () => log.slice() };
}

/** A responder with a signed prekey, one-time prekeys and a card. */
export interface Party {
  readonly identity: Identity;
  readonly spk: PrekeyPair;
  readonly otpks: Map<number, PrekeyPair>;
  readonly card: Uint8Array;
  readonly peerId: string;
}

export function makeParty(name: string, random: RandomSource, p: Primitives, otpkCount = 3): Party {
  const identity = createIdentity(random, p);
  const spk = createSignedPrekey(identity, 1, 1_700_000_000_000, random, p);
  const otpks = new Map(createOneTimePrekeys(100, otpkCount, random, p).map((k) => [k.id, k]));
  const first = otpks.get(100);
  const peerId = `12D3KooW${name}`;
  const card = createContactCard(
    identity,
    {
      peerId,
      displayName: name,
      addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${peerId}`],
      signedPrekey: spk,
      ...(first ? { oneTimePrekey: first } : {}),
      issuedAt: 1_700_000_000_000,
    },
    p,
  );
  return { identity, spk, otpks, card, peerId };
}

export function lookup(party: Party): PrekeyLookup {
  return {
    signedPrekey: (id) => (id === party.spk.id ? party.spk : undefined),
    oneTimePrekey: (id) => party.otpks.get(id),
  };
}

export function verifiedCard(party: Party, p: Primitives): ReturnType<typeof decodeContactCard> {
  return decodeContactCard(party.card, p);
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A suite-2 responder: a {@link Party} plus a signed ML-KEM-768 prekey (id 1) and one-time KEM prekeys from id 200. */
export interface PqParty extends Party {
  readonly kemPrekey: KemPrekeyPair;
  readonly kemOtpks: Map<number, KemPrekeyPair>;
}

/**
 * Draws, in order: identity (32 + 32), SPK (32), `otpkCount` OPKs (32 each), the KEM prekey seed (64),
 * `kemOtpkCount` one-time KEM prekey seeds (64 each). The card offers OPK 100 and one-time KEM prekey 200
 * when there are any.
 */
export function makePqParty(
  name: string,
  random: RandomSource,
  p: Primitives,
  otpkCount = 3,
  kemOtpkCount = 2,
): PqParty {
  const identity = createIdentity(random, p);
  const spk = createSignedPrekey(identity, 1, 1_700_000_000_000, random, p);
  const otpks = new Map(createOneTimePrekeys(100, otpkCount, random, p).map((k) => [k.id, k]));
  const kemPrekey = createKemPrekey(identity, 1, 1_700_000_000_000, random, p);
  const kemOtpks = new Map(
    createOneTimeKemPrekeys(identity, 200, kemOtpkCount, random, p).map((k) => [k.id, k]),
  );
  const first = otpks.get(100);
  const firstKem = kemOtpks.get(200);
  const peerId = `12D3KooW${name}`;
  const card = createContactCard(
    identity,
    {
      peerId,
      displayName: name,
      addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${peerId}`],
      signedPrekey: spk,
      ...(first ? { oneTimePrekey: first } : {}),
      kemPrekey: kemPrekey.publicKey,
      ...(firstKem ? { oneTimeKemPrekey: firstKem.publicKey } : {}),
      issuedAt: 1_700_000_000_000,
    },
    p,
  );
  return { identity, spk, otpks, card, peerId, kemPrekey, kemOtpks };
}

/** Lookups of a suite-2 party, over its live maps (delete from them to consume). */
export function pqLookup(party: PqParty): PrekeyLookup {
  return {
    ...lookup(party),
    kemPrekey: (id) => (id === party.kemPrekey.id ? party.kemPrekey : undefined),
    oneTimeKemPrekey: (id) => party.kemOtpks.get(id),
  };
}
