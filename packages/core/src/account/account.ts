/**
 * The account: this user's identity, libp2p peer key, display name and
 * prekeys, sealed at rest by the vault (DESIGN.md §2, §5 "At rest").
 *
 * Meta keys (store.setMeta):
 *   vault            the vault header (kdf, salt, check) — not secret; only when
 *                    the caller keeps no header of its own (createAccount without `vault`)
 *   account          version u8 ‖ JSON {peerId, name, createdAt} — not secret
 *   identity         sealed encodeIdentity(identity)
 *   peer-key         sealed libp2p private key (protobuf bytes, owned by net)
 *   prekey-next-id   u32 counter for new prekey ids (X25519 and ML-KEM-768 alike)
 *   prekey-pq-from   u32: the first signed prekey id only ever published in suite-2 cards (kem-prekeys.ts)
 *   account-identity sealed encodeIdentity(account identity) — only on a device linked to an
 *                    account created elsewhere (devices/link.ts); on the founding device the
 *                    device identity is the account identity (docs/MULTI-DEVICE.md)
 */
import {
  createIdentity,
  createKemPrekey,
  createOneTimePrekeys,
  createSignedPrekey,
  decodeIdentity,
  decodePrekey,
  encodeIdentity,
  encodePrekey,
  type Identity,
  type IdentityPublic,
  type KemPrekeyPair,
  type PrekeyPair,
  type Primitives,
  planSignedPrekeyRotation,
  type RandomSource,
} from '@parley/crypto';
import { CoreError, concat, fromUtf8, redact, utf8 } from '../base/index.ts';
import type { AccountTx, Store } from '../ports/index.ts';
import {
  currentKemPrekey,
  ensureKemPrekey,
  putKemPrekey,
  rotateKemPrekeys,
  setPostQuantumSince,
} from './kem-prekeys.ts';
import { createVault, unlockVault, type Vault, type VaultSecret, vaultKdf } from './vault.ts';

export const DISPLAY_NAME_MAX_CHARS = 64;

export interface AccountInfo {
  /** This device's PeerId. */
  readonly peerId: string;
  readonly name: string;
  readonly createdAt: number;
  /**
   * The account id (the founding device's PeerId) when this device was linked to an account
   * created elsewhere; absent on the founding device, whose PeerId is the account id.
   */
  readonly accountId?: string;
}

/** The account id: what contacts know the account by (docs/MULTI-DEVICE.md). */
export const accountIdOf = (info: AccountInfo): string => info.accountId ?? info.peerId;

/** An unlocked account. Holds secrets: prints `[redacted]`. */
export interface Account {
  readonly info: AccountInfo;
  /** This device's identity: its X3DH key and the key that signs its cards and prekeys. */
  readonly identity: Identity;
  /**
   * The account identity: what contacts' safety numbers are made of, and the key that signs the
   * device list. The same object as `identity` on the founding device.
   */
  readonly accountIdentity: Identity;
  readonly vault: Vault;
  /** The libp2p private key (protobuf bytes) for net. */
  readonly peerKey: Uint8Array;
}

export interface CreateAccountOptions {
  readonly name: string;
  /**
   * The vault, when the caller created it (createVault) and keeps its header itself — the
   * daemon does, beside the database the vault's key encrypts. Otherwise `secret`: a new
   * vault is made and its header kept in the store's meta.
   */
  readonly vault?: Vault;
  readonly secret?: VaultSecret;
  readonly peerId: string;
  readonly peerKey: Uint8Array;
  readonly primitives: Primitives;
  readonly random: RandomSource;
  readonly now: number;
}

/** Checks and normalizes a display name; throws CoreError('bad-name'). */
export function checkDisplayName(name: string): string {
  const clean = name.normalize('NFC').trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (clean.length === 0 || clean.length > DISPLAY_NAME_MAX_CHARS || /[\u0000-\u001f\u007f]/.test(clean)) {
    throw new CoreError(
      'bad-name',
      `a name must be 1..${DISPLAY_NAME_MAX_CHARS} characters without control characters`,
    );
  }
  return clean;
}

export function hasAccount(store: Store): boolean {
  return store.transaction((tx) => tx.getMeta('account') !== undefined);
}

/** Which secret unlocks the account in this store. */
export function accountProtection(store: Store): 'passphrase' | 'keyfile' {
  const header = store.transaction((tx) => tx.getMeta('vault'));
  if (!header) throw new CoreError('no-account', 'no account here yet; create one with "parley init"');
  return vaultKdf(header) === 'scrypt' ? 'passphrase' : 'keyfile';
}

export async function createAccount(store: Store, options: CreateAccountOptions): Promise<Account> {
  if (hasAccount(store))
    throw new CoreError('account-exists', 'an account already exists in this data folder');
  const name = checkDisplayName(options.name);
  let vault = options.vault;
  let header: Uint8Array | undefined;
  if (!vault) {
    if (!options.secret) throw new TypeError('createAccount needs a vault or a secret');
    ({ vault, header } = await createVault(options.secret, options.random, options.primitives));
  }
  const identity = createIdentity(options.random, options.primitives);
  const info: AccountInfo = { peerId: options.peerId, name, createdAt: options.now };
  const spk = createSignedPrekey(identity, 1, options.now, options.random, options.primitives);
  // Suite 2 from the start: every card this account publishes carries the KEM prekey.
  const kpk = createKemPrekey(identity, 2, options.now, options.random, options.primitives);
  store.transaction((tx) => {
    if (header) tx.setMeta('vault', header);
    tx.setMeta('identity', vault.seal('identity', encodeIdentity(identity)));
    tx.setMeta('peer-key', vault.seal('peer-key', options.peerKey));
    putPrekey(tx, vault, spk);
    putKemPrekey(tx, vault, kpk);
    setPostQuantumSince(tx, spk.id);
    setCounter(tx, 'prekey-next-id', 3);
    writeInfo(tx, info);
  });
  return accountOf(info, { identity, accountIdentity: identity, vault, peerKey: options.peerKey.slice() });
}

/**
 * Unlocks an account whose vault header is in the store's meta; a wrong passphrase throws
 * CoreError('wrong-passphrase') and changes nothing.
 */
export async function unlockAccount(
  store: Store,
  secret: VaultSecret,
  primitives: Primitives,
  random: RandomSource,
): Promise<Account> {
  const header = store.transaction((tx) => tx.getMeta('vault'));
  if (!header) throw new CoreError('no-account', 'no account here yet; create one with "parley init"');
  return openAccount(store, await unlockVault(header, secret, random, primitives), primitives);
}

/** The account in `store`, read with an unlocked vault (whose header the caller kept). */
export function openAccount(store: Store, vault: Vault, primitives: Primitives): Account {
  const { sealedIdentity, sealedAccountIdentity, sealedPeerKey, info } = store.transaction((tx) => ({
    sealedIdentity: tx.getMeta('identity'),
    sealedAccountIdentity: tx.getMeta('account-identity'),
    sealedPeerKey: tx.getMeta('peer-key'),
    info: readInfo(tx),
  }));
  if (!sealedIdentity || !sealedPeerKey || !info) {
    throw new CoreError('no-account', 'no account here yet; create one with "parley init"');
  }
  const identity = decodeIdentity(vault.open('identity', sealedIdentity), primitives);
  const accountIdentity = sealedAccountIdentity
    ? decodeIdentity(vault.open('account-identity', sealedAccountIdentity), primitives)
    : identity;
  const peerKey = vault.open('peer-key', sealedPeerKey);
  return accountOf(info, { identity, accountIdentity, vault, peerKey });
}

/** The current record behind each account's `info`, for renameAccount. */
const infoCells = new WeakMap<Account, { current: AccountInfo }>();

/** An Account whose `info` is read through a getter, so a rename is seen at once by every holder. */
function accountOf(info: AccountInfo, parts: Omit<Account, 'info'>): Account {
  const cell = { current: info };
  const account: Account = Object.freeze(
    redact({
      get info() {
        return cell.current;
      },
      ...parts,
    }),
  );
  infoCells.set(account, cell);
  return account;
}

/**
 * Renames yourself: the name new invites, cards and `status` carry from now on (contacts learn it
 * with the next card we send them). Checked like a new account's name (CoreError('bad-name')).
 * A device linked to an account made elsewhere carries that account's name: refused there
 * (CoreError('not-allowed')), as its other devices would not learn it.
 */
export function renameAccount(store: Store, account: Account, name: string): AccountInfo {
  const clean = checkDisplayName(name);
  const cell = infoCells.get(account);
  if (!cell) throw new TypeError('renameAccount needs an account made by createAccount or openAccount');
  if (accountIdOf(cell.current) !== cell.current.peerId) {
    throw new CoreError(
      'not-allowed',
      'this device was linked to an account made on another device; rename yourself there',
    );
  }
  const next: AccountInfo = { ...cell.current, name: clean };
  store.transaction((tx) => writeInfo(tx, next));
  cell.current = next;
  return next;
}

export function readInfo(tx: AccountTx): AccountInfo | undefined {
  const raw = tx.getMeta('account');
  if (!raw) return undefined;
  if (raw[0] !== 1) throw new CoreError('bad-input', 'unsupported account record version');
  return JSON.parse(fromUtf8(raw.subarray(1))) as AccountInfo;
}

export function writeInfo(tx: AccountTx, info: AccountInfo): void {
  tx.setMeta('account', concat(Uint8Array.of(1), utf8(JSON.stringify(info))));
}

// ---- prekeys ----

const prekeyLabel = (p: Pick<PrekeyPair, 'kind' | 'id'>): string => `prekey:${p.kind}:${p.id}`;

export function putPrekey(tx: AccountTx, vault: Vault, pair: PrekeyPair): void {
  tx.putPrekey({
    kind: pair.kind,
    id: pair.id,
    secret: vault.seal(prekeyLabel(pair), encodePrekey(pair)),
    createdAt: pair.createdAt,
  });
}

export function loadPrekey(
  tx: AccountTx,
  vault: Vault,
  kind: PrekeyPair['kind'],
  id: number,
  primitives: Primitives,
): PrekeyPair | undefined {
  const record = tx.getPrekey(kind, id);
  if (!record) return undefined;
  return decodePrekey(vault.open(prekeyLabel({ kind, id }), record.secret), primitives);
}

/** The newest signed prekey (the one to publish). */
export function currentSignedPrekey(tx: AccountTx, vault: Vault, primitives: Primitives): PrekeyPair {
  const ids = tx.listPrekeys('signed');
  const newest = ids[ids.length - 1];
  const pair = newest && loadPrekey(tx, vault, 'signed', newest.id, primitives);
  if (!pair) throw new CoreError('bad-input', 'the account has no signed prekey; the data folder is damaged');
  return pair;
}

/** Creates and stores one new one-time prekey (for a single-use invite). */
export function newOneTimePrekey(
  tx: AccountTx,
  vault: Vault,
  random: RandomSource,
  primitives: Primitives,
): PrekeyPair {
  const id = nextCounter(tx, 'prekey-next-id');
  const [pair] = createOneTimePrekeys(id, 1, random, primitives);
  if (!pair) throw new Error('unreachable: createOneTimePrekeys returned nothing');
  putPrekey(tx, vault, pair);
  return pair;
}

/**
 * The signed ML-KEM-768 prekey our cards carry (suite 2). An account made before suite 2 that has
 * not yet been through {@link rotateSignedPrekeys} gets it here.
 */
export function kemPrekeyToPublish(
  tx: AccountTx,
  account: Pick<Account, 'identity' | 'vault'>,
  now: number,
  random: RandomSource,
  primitives: Primitives,
): KemPrekeyPair {
  ensureKemPrekey(tx, account, () => nextCounter(tx, 'prekey-next-id'), now, random, primitives);
  const pair = currentKemPrekey(tx, account.vault, primitives);
  if (!pair) throw new Error('unreachable: ensureKemPrekey made no KEM prekey');
  return pair;
}

export function nextCounter(tx: AccountTx, key: string): number {
  const raw = tx.getMeta(key);
  const value = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0) : 1;
  setCounter(tx, key, value + 1);
  return value;
}

function setCounter(tx: AccountTx, key: string, value: number): void {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  tx.setMeta(key, out);
}

/** IdentityPublic ⇄ the 64 bytes stored in ContactRecord.identityKey. */
export const encodeIdentityPublic = (pub: IdentityPublic): Uint8Array =>
  concat(pub.signingKey, pub.agreementKey);
export const decodeIdentityPublic = (bytes: Uint8Array): IdentityPublic => ({
  signingKey: bytes.slice(0, 32),
  agreementKey: bytes.slice(32, 64),
});

/**
 * Signed prekey rotation (SPEC.md §3): a new signed prekey every 7 days; an
 * older one is kept for 30 days after its successor so that first messages
 * built from older invites still open. The signed ML-KEM-768 prekey follows the
 * same plan, and an account made before suite 2 gets its first one here (on
 * start). Returns whether a new X25519 signed prekey was made.
 */
export function rotateSignedPrekeys(
  tx: AccountTx,
  account: Pick<Account, 'identity' | 'vault'>,
  now: number,
  random: RandomSource,
  primitives: Primitives,
): boolean {
  const nextId = (): number => nextCounter(tx, 'prekey-next-id');
  ensureKemPrekey(tx, account, nextId, now, random, primitives);
  rotateKemPrekeys(tx, account, nextId, now, random, primitives);
  const plan = planSignedPrekeyRotation(tx.listPrekeys('signed'), now);
  for (const id of plan.discard) tx.deletePrekey('signed', id);
  if (!plan.rotate) return false;
  const id = nextCounter(tx, 'prekey-next-id');
  putPrekey(tx, account.vault, createSignedPrekey(account.identity, id, now, random, primitives));
  return true;
}
