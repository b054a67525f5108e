/**
 * ML-KEM-768 prekeys: what makes our cards suite 2 (packages/crypto SPEC.md §3.1, §6.1.1).
 *
 * Every account has a signed KEM prekey, rotated on the X25519 signed prekey's plan (7 days, the
 * old one kept 30 days after its successor); a single-use invite also carries a one-time KEM
 * prekey, deleted in the transaction that stores the session made from it. They live in the
 * prekeys table beside the X25519 ones, as kinds 'kem-signed' and 'kem-one-time', sealed by the
 * vault like them.
 *
 * Meta key `prekey-pq-from` (u32): the lowest X25519 signed prekey id that was only ever published
 * beside a KEM prekey. A suite-1 first message naming such a prekey was not built from any card of
 * ours: see {@link postQuantumSince}. 1 for an account created with KEM prekeys; for an account made
 * before suite 2, one more than its newest signed prekey when its first KEM prekey was made.
 */
import {
  createKemPrekey,
  createOneTimeKemPrekeys,
  decodeKemPrekey,
  encodeKemPrekey,
  type Identity,
  type KemPrekeyPair,
  type Primitives,
  planSignedPrekeyRotation,
  type RandomSource,
} from '@parley/crypto';
import type { AccountTx, PrekeyKind } from '../ports/index.ts';
import type { Vault } from './vault.ts';

const PQ_FROM_KEY = 'prekey-pq-from';
const storedKind = (kind: KemPrekeyPair['kind']): PrekeyKind =>
  kind === 'signed' ? 'kem-signed' : 'kem-one-time';
const label = (kind: KemPrekeyPair['kind'], id: number): string => `prekey:${storedKind(kind)}:${id}`;

/** Seals and stores a KEM prekey. */
export function putKemPrekey(tx: AccountTx, vault: Vault, pair: KemPrekeyPair): void {
  tx.putPrekey({
    kind: storedKind(pair.kind),
    id: pair.id,
    secret: vault.seal(label(pair.kind, pair.id), encodeKemPrekey(pair)),
    createdAt: pair.createdAt,
  });
}

/** The KEM prekey of this kind and id, if we still have it. */
export function loadKemPrekey(
  tx: AccountTx,
  vault: Vault,
  kind: KemPrekeyPair['kind'],
  id: number,
  primitives: Primitives,
): KemPrekeyPair | undefined {
  const record = tx.getPrekey(storedKind(kind), id);
  if (!record) return undefined;
  return decodeKemPrekey(vault.open(label(kind, id), record.secret), primitives);
}

/** Deletes a used one-time KEM prekey (in the transaction that stores the session). */
export function deleteOneTimeKemPrekey(tx: AccountTx, id: number): void {
  tx.deletePrekey('kem-one-time', id);
}

function setU32(tx: AccountTx, key: string, value: number): void {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  tx.setMeta(key, out);
}

/** Records that signed prekeys from `firstId` on are only ever published with a KEM prekey. */
export function setPostQuantumSince(tx: AccountTx, firstId: number): void {
  setU32(tx, PQ_FROM_KEY, firstId);
}

/**
 * The lowest X25519 signed prekey id only ever published in suite-2 cards, or undefined if the
 * account has no KEM prekey yet (every signed prekey may then be on a suite-1 card).
 */
export function postQuantumSince(tx: AccountTx): number | undefined {
  const raw = tx.getMeta(PQ_FROM_KEY);
  return raw?.length === 4 ? new DataView(raw.buffer, raw.byteOffset, 4).getUint32(0) : undefined;
}

/**
 * Gives an account made before suite 2 (or a device linked without KEM prekeys) its signed KEM
 * prekey; nothing if it has one. `nextId` draws from the account's prekey id counter.
 */
export function ensureKemPrekey(
  tx: AccountTx,
  account: { readonly identity: Identity; readonly vault: Vault },
  nextId: () => number,
  now: number,
  random: RandomSource,
  primitives: Primitives,
): void {
  if (tx.listPrekeys('kem-signed').length > 0) return;
  // Signed prekeys that exist now were (maybe) published on suite-1 cards; later ones never are.
  const newest = Math.max(0, ...tx.listPrekeys('signed').map((s) => s.id));
  if (postQuantumSince(tx) === undefined) setPostQuantumSince(tx, newest + 1);
  putKemPrekey(tx, account.vault, createKemPrekey(account.identity, nextId(), now, random, primitives));
}

/** The newest signed KEM prekey (the one to publish), or undefined if there is none yet. */
export function currentKemPrekey(
  tx: AccountTx,
  vault: Vault,
  primitives: Primitives,
): KemPrekeyPair | undefined {
  const newest = tx.listPrekeys('kem-signed').at(-1);
  return newest && loadKemPrekey(tx, vault, 'signed', newest.id, primitives);
}

/** Creates and stores one one-time KEM prekey with the given id (a single-use invite's). */
export function newOneTimeKemPrekey(
  tx: AccountTx,
  account: { readonly identity: Identity; readonly vault: Vault },
  id: number,
  random: RandomSource,
  primitives: Primitives,
): KemPrekeyPair {
  const [pair] = createOneTimeKemPrekeys(account.identity, id, 1, random, primitives);
  if (!pair) throw new Error('unreachable: createOneTimeKemPrekeys returned nothing');
  putKemPrekey(tx, account.vault, pair);
  return pair;
}

/** Rotates the signed KEM prekey on the X25519 signed prekey's plan (SPEC.md §3). */
export function rotateKemPrekeys(
  tx: AccountTx,
  account: { readonly identity: Identity; readonly vault: Vault },
  nextId: () => number,
  now: number,
  random: RandomSource,
  primitives: Primitives,
): boolean {
  const plan = planSignedPrekeyRotation(tx.listPrekeys('kem-signed'), now);
  for (const id of plan.discard) tx.deletePrekey('kem-signed', id);
  if (!plan.rotate) return false;
  putKemPrekey(tx, account.vault, createKemPrekey(account.identity, nextId(), now, random, primitives));
  return true;
}
