/**
 * Nothing readable at rest (issue 18, DESIGN.md §5): two accounts, one
 * protected by a passphrase and one by a key file, exchange text, a
 * reaction, a file with a caption and a group; then no file of either data
 * folder (database, WAL, shm, vault header, attachments, logs, everything)
 * holds any of: both account names, the names each gave the other, both
 * PeerIds, both listen addresses, the emoji, the text, the file's name and
 * caption, the group's name. A positive control proves the scanner finds a
 * canary, and the same needles are found in a plain copy of what the
 * daemons say over the API (so the needles are the real strings).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseFileKind } from '@parley/store';
import { afterAll, describe, expect, it } from 'vitest';
import { daemonWithInput } from '../support/cli.ts';
import { filesUnder } from '../support/files.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
afterAll(() => world.cleanup());

const PASSPHRASE = 'correct horse battery staple';

/** Each file under `dirs` with the labels of the needles found in it. */
function scan(
  dirs: readonly string[],
  needles: ReadonlyMap<string, string>,
): { hits: string[]; scanned: string[] } {
  const forms = [...needles].flatMap(([label, s]) => [
    [label, Buffer.from(s, 'utf8')] as const,
    [`${label} (utf16)`, Buffer.from(s, 'utf16le')] as const,
  ]);
  const hits: string[] = [];
  const scanned: string[] = [];
  for (const dir of dirs) {
    for (const path of filesUnder(dir)) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch {
        continue;
      }
      scanned.push(path);
      for (const [label, needle] of forms) if (bytes.includes(needle)) hits.push(`${path}: ${label}`);
    }
  }
  return { hits, scanned };
}

describe('nothing readable at rest', () => {
  it('no name, PeerId, address, emoji, text, file name or group name in any file of either data folder', async () => {
    const tag = randomBytes(6).toString('hex');
    const aliceName = `Alyssa${tag}`;
    const bobName = `Benedikt${tag}`;
    const alice = world.home('alice');
    const bob = world.home('bob');
    expect(
      world.run(alice, ['init', '--name', aliceName, '--passphrase-stdin'], { input: `${PASSPHRASE}\n` })
        .code,
    ).toBe(0);
    expect(world.run(bob, ['init', '--name', bobName, '--no-passphrase']).code).toBe(0);
    const [aliceDaemon, bobDaemon] = await Promise.all([
      daemonWithInput(world, alice, `${PASSPHRASE}\n`, ['--passphrase-stdin']),
      world.daemon(bob),
    ]);
    const bobsNameForAlice = `Ally${tag}`;
    const alicesNameForBob = `Benny${tag}`;
    // Bob names Alice himself; Alice's side first shows Bob's own name, then she renames him.
    await world.befriend(alice, bobsNameForAlice, bob, bobName);
    await world.rpc(alice, 'contacts.rename', { name: bobName, newName: alicesNameForBob });

    const text = `the treasure is under the ${tag} oak`;
    const emoji = '🦩';
    const fileName = `holiday-${tag}.txt`;
    const caption = `caption ${tag} beach`;
    const groupName = `Book club ${tag}`;
    const sent = await world.rpc<{ id: string }>(alice, 'messages.send', { contact: alicesNameForBob, text });
    const source = join(world.home('files'), fileName);
    writeFileSync(source, `file contents ${tag}`);
    await world.rpc(alice, 'messages.sendFile', { contact: alicesNameForBob, path: source, caption });
    await eventually(async () => {
      const got = await world.rpc<Array<{ text: string; attachment: { status: string } | null }>>(
        bob,
        'messages.list',
        { contact: bobsNameForAlice },
      );
      return got.length === 2 && got.some((m) => m.attachment?.status === 'done');
    }, 30_000);
    await world.rpc(bob, 'messages.react', { contact: bobsNameForAlice, id: sent.id, emoji });
    await world.rpc(alice, 'groups.create', { name: groupName, members: [alicesNameForBob] });
    await eventually(async () => {
      const mine = await world.rpc<Array<{ text: string; reactions: Array<{ emoji: string }> }>>(
        alice,
        'messages.list',
        { contact: alicesNameForBob },
      );
      const groups = await world.rpc<Array<{ name: string }>>(bob, 'groups.list');
      return (
        mine.some((m) => m.reactions.some((r) => r.emoji === emoji)) &&
        groups.some((g) => g.name === groupName)
      );
    }, 30_000);

    const addressOf = (addresses: readonly string[]): string => {
      const tcp = addresses.find((a) => a.includes('/tcp/'));
      if (!tcp) throw new Error(`no TCP address in ${addresses.join(' ')}`);
      return tcp.split('/p2p/')[0] as string;
    };
    const needles = new Map<string, string>([
      ['alice name', aliceName],
      ['bob name', bobName],
      ["bob's name for alice", bobsNameForAlice],
      ["alice's name for bob", alicesNameForBob],
      ['alice PeerId', aliceDaemon.peerId],
      ['bob PeerId', bobDaemon.peerId],
      ['alice address', addressOf(aliceDaemon.addresses)],
      ['bob address', addressOf(bobDaemon.addresses)],
      ['text', text],
      ['emoji', emoji],
      ['file name', fileName],
      ['caption', caption],
      ['group name', groupName],
      ['file contents', `file contents ${tag}`],
    ]);
    // Positive control: each needle is found when it is there.
    const control = world.home('control');
    writeFileSync(join(control, 'all.bin'), [...needles.values()].join('|'));
    expect(scan([control], needles).hits).toHaveLength(needles.size);

    const homes = [alice, bob];
    const running = scan(homes, needles);
    expect(running.scanned.some((p) => p.endsWith('parley.db-wal'))).toBe(true);
    await world.stop(aliceDaemon);
    await world.stop(bobDaemon);
    const stopped = scan(homes, needles);
    expect(stopped.scanned.some((p) => p.endsWith('account.vault'))).toBe(true);
    expect(stopped.scanned.some((p) => p.includes('attachments'))).toBe(true);
    expect([...running.hits, ...stopped.hits]).toEqual([]);
    // The daemon's log (which `parley ui` appends to daemon.log in the data folder) names nobody either.
    const logs = world.home('logs');
    writeFileSync(join(logs, 'alice.log'), aliceDaemon.log());
    writeFileSync(join(logs, 'bob.log'), bobDaemon.log());
    expect(scan([logs], needles).hits).toEqual([]);
    for (const home of homes) expect(databaseFileKind(join(home, 'parley.db'))).toBe('encrypted');
    // File names say nothing either: no needle, and no unkeyed hash of a PeerId (received files
    // were named after sha256(PeerId) before; a list of suspects' PeerIds would have matched).
    const tagOf = (peerId: string): string => createHash('sha256').update(peerId).digest('hex').slice(0, 16);
    const names = homes.flatMap((h) => readdirSync(h, { recursive: true, encoding: 'utf8' }));
    expect(names.some((f) => f.startsWith(join('attachments', 'in-')))).toBe(true);
    const badNames = names.filter(
      (f) =>
        [...needles.values()].some((needle) => f.includes(needle)) ||
        [aliceDaemon.peerId, bobDaemon.peerId].some((p) => f.includes(tagOf(p))),
    );
    expect(badNames).toEqual([]);
  }, 150_000);
});
