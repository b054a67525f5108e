import { createFileKey, encodeFileKey, systemRandom } from '@parley/crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { sanitizeFileName } from '../src/attachments/attachments.ts';
import { findContact } from '../src/contacts/contacts.ts';
import { compose } from '../src/messaging/outbound.ts';
import { createMemoryNetwork, type MemoryNetwork } from '../src/testing/memory-transport.ts';
import {
  befriend,
  eventually,
  fileSource,
  makePeer,
  type Peer,
  randomBytes,
  saved,
  stopPeers,
} from './harness.ts';

let peers: Peer[] = [];
let network: MemoryNetwork;

async function pair(limits?: { autoDownloadMaxBytes?: number }): Promise<[Peer, Peer]> {
  network = createMemoryNetwork();
  const alice = await makePeer(network, 'alice');
  const bob = await makePeer(network, 'bob', limits ? { limits } : {});
  peers = [alice, bob];
  await befriend(alice, bob);
  return [alice, bob];
}

afterEach(async () => {
  await stopPeers(peers);
});

const source = fileSource;

describe('attachments', () => {
  it('sends a file that downloads by itself, verified, with the caption and metadata', async () => {
    const [alice, bob] = await pair();
    const file = randomBytes(300_000);
    const sent = await alice.messenger.sendFile('bob', source(file), { caption: 'the view', durationMs: 0 });
    expect(sent.attachment).toMatchObject({
      name: 'photo.jpg',
      size: 300_000,
      mime: 'image/jpeg',
      status: 'available',
    });
    const id = sent.attachment?.id as string;
    await eventually(
      () => bob.messenger.messages('alice').some((m) => m.attachment?.status === 'done'),
      10_000,
      'download',
    );
    const got = bob.messenger.messages('alice').find((m) => m.attachment?.id === id);
    expect(got?.text).toBe('the view');
    expect(got?.attachment?.transferred).toBe(300_000);
    expect(await saved(bob, 'alice', id)).toEqual(file);
    expect(bob.events.some((e) => e.type === 'attachment')).toBe(true);
  });

  it('waits for the user before downloading a large file, then resumes after a disconnect', async () => {
    const [alice, bob] = await pair({ autoDownloadMaxBytes: 100_000 });
    const file = randomBytes(3_000_000);
    const { attachment } = await alice.messenger.sendFile(
      'bob',
      source(file, 'big.bin', 'application/octet-stream'),
    );
    const id = attachment?.id as string;
    await eventually(() => bob.messenger.messages('alice').some((m) => m.attachment?.id === id));
    expect(bob.messenger.attachment('alice', id).state).toBe('offered');
    // Cut the link after some chunks, then bring it back: the download resumes where it stopped.
    const fetch = bob.transport.fetchFile.bind(bob.transport);
    let cut = false;
    bob.transport.fetchFile = (peer, request, options) =>
      (async function* () {
        let n = 0;
        for await (const chunk of fetch(peer, request, options)) {
          if (!cut && ++n === 20) {
            cut = true;
            network.setOnline(alice.peerId, false);
          }
          yield chunk;
        }
      })();
    bob.messenger.downloadAttachment('alice', id);
    await eventually(
      () => cut && bob.messenger.attachment('alice', id).transferred > 0,
      10_000,
      'a partial download',
    );
    expect(bob.messenger.attachment('alice', id).state).toBe('downloading');
    network.setOnline(alice.peerId, true);
    await bob.transport.connect(alice.peerId);
    await eventually(
      () => bob.messenger.attachment('alice', id).state === 'done',
      10_000,
      'the resumed download',
    );
    expect(await saved(bob, 'alice', id)).toEqual(file);
  });

  it('rejects a tampered chunk and fetches it again', async () => {
    const [alice, bob] = await pair();
    const file = randomBytes(500_000);
    const fetch = bob.transport.fetchFile.bind(bob.transport);
    let tampered = 0;
    bob.transport.fetchFile = (peer, request, options) =>
      (async function* () {
        let n = 0;
        for await (const chunk of fetch(peer, request, options)) {
          if (tampered === 0 && ++n === 3) {
            tampered++;
            const bad = chunk.slice();
            bad[10] = (bad[10] as number) ^ 1;
            yield bad;
            continue;
          }
          yield chunk;
        }
      })();
    const { attachment } = await alice.messenger.sendFile('bob', source(file));
    const id = attachment?.id as string;
    await eventually(
      () => bob.messenger.messages('alice').some((m) => m.attachment?.status === 'done'),
      10_000,
    );
    expect(tampered).toBe(1);
    expect(await saved(bob, 'alice', id)).toEqual(file);
  });

  it('serves a file only to the contact it was sent to', async () => {
    const [alice, _bob] = await pair();
    const carol = await makePeer(network, 'carol');
    peers.push(carol);
    await befriend(alice, carol);
    const { attachment } = await alice.messenger.sendFile('bob', source(randomBytes(1000)));
    const drain = async () => {
      for await (const _ of carol.transport.fetchFile(alice.peerId, {
        fileId: attachment?.id as string,
        fromChunk: 0,
      })) {
        // carol must get nothing
      }
    };
    await expect(drain()).rejects.toMatchObject({ code: 'refused' });
  });

  it('looks an attachment id up only in its own conversation: another contact naming it gets its own', async () => {
    const [alice, bob] = await pair();
    const carol = await makePeer(network, 'carol');
    peers.push(carol);
    await befriend(carol, bob);
    const file = randomBytes(10_000);
    const { attachment } = await alice.messenger.sendFile('bob', source(file, 'alice.jpg'));
    const id = attachment?.id as string;
    await eventually(() => bob.messenger.messages('alice').some((m) => m.attachment?.status === 'done'));
    // carol learned the id and offers bob a file under it: a manifest any contact can write.
    carol.store.transaction((tx) =>
      compose(carol.ctx, tx, findContact(tx, 'bob'), {
        kind: 'attachment',
        id,
        name: 'carol.bin',
        mime: 'application/octet-stream',
        size: 20_000_000, // over the automatic download limit: it waits, offered
        sha256: '0'.repeat(64),
        key: encodeFileKey(createFileKey(systemRandom)),
      }),
    );
    carol.messenger.sendText('bob', 'see above'); // sends the outbox, in order
    await eventually(() => bob.messenger.messages('carol').some((m) => m.text === 'see above'));

    expect(bob.messenger.attachment('carol', id)).toMatchObject({ name: 'carol.bin', state: 'offered' });
    expect(bob.messenger.attachment('alice', id)).toMatchObject({ name: 'alice.jpg', state: 'done' });
    // What the user does with carol's file touches carol's alone, and alice's is alice's.
    expect(bob.messenger.cancelAttachment('carol', id).state).toBe('cancelled');
    expect(bob.messenger.attachment('alice', id).state).toBe('done');
    expect(await saved(bob, 'alice', id)).toEqual(file);
    await expect(saved(bob, 'carol', id)).rejects.toMatchObject({ code: 'not-allowed' });
    expect(() => bob.messenger.attachment('carol', 'a'.repeat(32))).toThrow(/no attachment/);
    expect(bob.messenger.attachment('alice', id).contact).toBe('alice');
  });

  it('sanitizes hostile file names', async () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('C:\\Windows\\system32\\evil.dll')).toBe('evil.dll');
    expect(sanitizeFileName('/absolute/path.txt')).toBe('path.txt');
    expect(sanitizeFileName('a\u0000b\u001bc.txt')).toBe('abc.txt');
    expect(sanitizeFileName('..')).toBe('attachment');
    expect(sanitizeFileName('   ')).toBe('attachment');
    const [alice, bob] = await pair();
    await alice.messenger.sendFile('bob', source(randomBytes(100), '../../../.bashrc\u0007'));
    await eventually(() => bob.messenger.messages('alice').some((m) => m.attachment?.status === 'done'));
    expect(bob.messenger.messages('alice')[0]?.attachment?.name).toBe('bashrc');
  });

  it('refuses files over the size limit', async () => {
    const [alice] = await pair();
    const huge = {
      name: 'x',
      mime: 'application/octet-stream',
      size: 3 * 1024 ** 3,
      read: async () => new Uint8Array(0),
    };
    await expect(alice.messenger.sendFile('bob', huge)).rejects.toMatchObject({ code: 'message-too-large' });
  });
});
