/**
 * Copy-on-write store of skipped message keys (Signal Double Ratchet §3.2
 * "MKSKIPPED", §4 out-of-order messages). Grouped per receiving chain (by the
 * sender's ratchet public key) so an update copies only the one chain it
 * touches; every level is frozen and shared between successive session values.
 * @module
 */

/** Skipped keys of one receiving chain: message number → 32-byte message key. */
export interface SkippedChain {
  /** The sender's ratchet public key that chain belongs to. */
  readonly ratchetKey: Uint8Array;
  readonly keys: ReadonlyMap<number, Uint8Array>;
}

/** All skipped keys of a session, oldest chain first. */
export interface SkippedStore {
  readonly chains: readonly SkippedChain[];
  /** Total keys across chains. */
  readonly size: number;
}

/** The empty store (shared). */
export const EMPTY_SKIPPED: SkippedStore = Object.freeze({ chains: Object.freeze([]), size: 0 });

/** Public-key equality (ratchet keys are public: no constant time needed). */
export function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Index of the chain for `ratchetKey`, or -1. */
export function chainIndex(store: SkippedStore, ratchetKey: Uint8Array): number {
  return store.chains.findIndex((c) => sameKey(c.ratchetKey, ratchetKey));
}

/** The stored key for (ratchetKey, n), if any. */
export function findSkipped(store: SkippedStore, ratchetKey: Uint8Array, n: number): Uint8Array | undefined {
  const i = chainIndex(store, ratchetKey);
  return i < 0 ? undefined : store.chains[i]!.keys.get(n);
}

function replaceChain(
  store: SkippedStore,
  i: number,
  chain: SkippedChain | undefined,
  delta: number,
): SkippedStore {
  const chains = store.chains.slice();
  if (chain) chains[i] = chain;
  else chains.splice(i, 1);
  return Object.freeze({ chains: Object.freeze(chains), size: store.size + delta });
}

/** A new store without (ratchetKey, n); drops the chain when it empties. */
export function removeSkipped(store: SkippedStore, ratchetKey: Uint8Array, n: number): SkippedStore {
  const i = chainIndex(store, ratchetKey);
  const old = store.chains[i];
  if (!old?.keys.has(n)) return store;
  const keys = new Map(old.keys);
  keys.delete(n);
  const chain = keys.size === 0 ? undefined : Object.freeze({ ratchetKey: old.ratchetKey, keys });
  return replaceChain(store, i, chain, -1);
}

/** A new store with `entries` added to the chain of `ratchetKey` (created last if new). */
export function addSkipped(
  store: SkippedStore,
  ratchetKey: Uint8Array,
  entries: readonly (readonly [number, Uint8Array])[],
): SkippedStore {
  if (entries.length === 0) return store;
  const i = chainIndex(store, ratchetKey);
  const keys = new Map(i < 0 ? [] : store.chains[i]!.keys);
  for (const [n, mk] of entries) keys.set(n, mk);
  const chain = Object.freeze({ ratchetKey, keys });
  if (i >= 0) return replaceChain(store, i, chain, entries.length);
  return Object.freeze({
    chains: Object.freeze([...store.chains, chain]),
    size: store.size + entries.length,
  });
}
