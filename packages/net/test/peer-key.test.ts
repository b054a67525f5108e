import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import { afterEach, describe, expect, it } from 'vitest';
import { createParleyNode, generatePeerKey, loadOrCreatePeerKey, peerIdOfKey } from '../src/index.ts';
import { testNodeOptions } from './helpers.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-net-'));
  dirs.push(dir);
  return dir;
};

describe('peer key', () => {
  it('generatePeerKey returns a libp2p Ed25519 PrivateKey protobuf', () => {
    const key = generatePeerKey();
    expect(privateKeyFromProtobuf(key).type).toBe('Ed25519');
    expect(peerIdOfKey(key)).toMatch(/^12D3KooW/);
    expect(peerIdOfKey(generatePeerKey())).not.toBe(peerIdOfKey(key));
  });

  it('loadOrCreatePeerKey creates a 0600 file once and returns the same key after', async () => {
    const path = join(await tempDir(), 'sub', 'peer.key');
    const first = await loadOrCreatePeerKey(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadOrCreatePeerKey(path)).toEqual(first);
  });

  it('refuses to replace a corrupt key file', async () => {
    const path = join(await tempDir(), 'peer.key');
    await writeFile(path, 'not a key');
    await expect(loadOrCreatePeerKey(path)).rejects.toThrow();
  });

  it('a restarted node keeps its PeerId', async () => {
    const path = join(await tempDir(), 'peer.key');
    const first = await createParleyNode(testNodeOptions({ privateKey: await loadOrCreatePeerKey(path) }));
    const id = first.peerId.toString();
    await first.stop();
    const second = await createParleyNode(testNodeOptions({ privateKey: await loadOrCreatePeerKey(path) }));
    try {
      expect(second.peerId.toString()).toBe(id);
    } finally {
      await second.stop();
    }
  });
});
