/**
 * The node's libp2p identity key. Its public half is the PeerId contacts know
 * us by, so it must survive restarts: it is stored in the data directory,
 * readable by the owner only (0600).
 *
 * Format: the libp2p PrivateKey protobuf (libp2p peer-id spec,
 * https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md#keys),
 * exactly what `privateKeyToProtobuf` of `@libp2p/crypto` produces:
 *   0x08 0x01           field 1 (KeyType) = 1 (Ed25519)
 *   0x12 0x40 <64>      field 2 (Data) = 32-byte seed || 32-byte public key
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';

const ED25519_PROTOBUF_HEADER = [0x08, 0x01, 0x12, 0x40];

/** A fresh Ed25519 peer key as libp2p PrivateKey protobuf bytes. Synchronous (node:crypto). */
export function generatePeerKey(): Uint8Array {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.d === undefined || jwk.x === undefined)
    throw new Error('node:crypto returned an incomplete Ed25519 key');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const out = new Uint8Array(ED25519_PROTOBUF_HEADER.length + 64);
  out.set(ED25519_PROTOBUF_HEADER, 0);
  out.set(seed, 4);
  out.set(pub, 36);
  return out;
}

/** The canonical PeerId string of a peer key (throws if the bytes are not a valid key). */
export function peerIdOfKey(peerKey: Uint8Array): string {
  return peerIdFromPrivateKey(privateKeyFromProtobuf(peerKey)).toString();
}

/**
 * Reads the peer key at `path`, or creates one there (mode 0600, written to a
 * temporary file then renamed so a crash never leaves half a key). A key file
 * readable by others is tightened to 0600. Throws if the file holds no valid key
 * rather than silently replacing the identity.
 */
export async function loadOrCreatePeerKey(path: string): Promise<Uint8Array> {
  try {
    const bytes = new Uint8Array(await readFile(path));
    privateKeyFromProtobuf(bytes); // validates
    await chmod(path, 0o600);
    return bytes;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = generatePeerKey();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, key, { mode: 0o600, flag: 'wx' });
  await rename(tmp, path);
  return key;
}
