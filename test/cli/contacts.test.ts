/**
 * Invites, contacts add/list/rename/remove and safety numbers through the real
 * `parley` command, two daemons on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QR_MAX_BYTES, renderQr } from '../../apps/cli/src/qr.ts';
import { ndjson } from '../support/cli.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
let alice = '';
let bob = '';
let alicePeer = '';
let bobPeer = '';

beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  const [a, b] = await Promise.all([world.daemon(alice), world.daemon(bob)]);
  alicePeer = a.peerId;
  bobPeer = b.peerId;
});
afterAll(() => world.cleanup());

const INVITE = /^parley:\/\/invite\/\S+$/;
const CONTACT_FIELDS = [
  'id',
  'name',
  'peerId',
  'verified',
  'state',
  'identityChanged',
  'online',
  'addresses',
];

interface Contact {
  name: string;
  peerId: string;
  state: string;
  verified: boolean;
  online: boolean;
  identityChanged: boolean;
}
const list = (home: string): Contact[] => {
  const r = world.run(home, ['--json', 'contacts', 'list']);
  expect(r.code).toBe(0);
  return ndjson<Contact>(r.stdout);
};

describe('invites', () => {
  it('plain: the link alone on stdout, what to do with it on stderr', () => {
    const r = world.run(alice, ['invite']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(INVITE);
    expect(r.stdout.split('\n')).toHaveLength(2);
    expect(r.stderr).toContain('single-use');
    expect(r.stderr).toContain('parley contacts add');
  });

  it('--qr: the QR block of the link, then the link', () => {
    const r = world.run(alice, ['invite', '--qr']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const link = lines.at(-1) as string;
    expect(link).toMatch(INVITE);
    expect(r.stdout).toBe(`${renderQr(link, false)}${link}\n`);
    expect(lines.length).toBeGreaterThan(15);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^[ █▀▄]+$/);
    // Suite 2 (byte 1 of the card, after the link's version byte), and still a QR code.
    const payload = Buffer.from(link.slice('parley://invite/'.length), 'base64url');
    expect(payload[2]).toBe(2);
    expect(link.length).toBeLessThanOrEqual(QR_MAX_BYTES);
  });

  it('--json: one object with link, expiresAt, reusable', () => {
    const r = world.run(alice, ['--json', 'invite', '--reusable', '--ttl', '1h']);
    expect(r.code).toBe(0);
    const [inv] = ndjson(r.stdout);
    expect(inv).toMatchObject({ link: expect.stringMatching(INVITE), reusable: true });
    expect(Math.abs((inv?.expiresAt as number) - Date.now() - 3_600_000)).toBeLessThan(60_000);
    expect(world.run(alice, ['invite', '--ttl', 'soon']).code).toBe(2);
  });
});

describe('contacts', () => {
  it('add (--json) on one side makes both sides active contacts', async () => {
    const link = world.run(alice, ['invite']).stdout.trim();
    const r = world.run(bob, ['--json', 'contacts', 'add', 'alice', link]);
    expect(r.code).toBe(0);
    const [c] = ndjson(r.stdout);
    for (const f of CONTACT_FIELDS) expect(c).toHaveProperty(f);
    expect(c).toMatchObject({ name: 'alice', peerId: alicePeer, verified: false, identityChanged: false });
    await eventually(
      () =>
        list(alice).some((x) => x.peerId === bobPeer && x.state === 'active') &&
        list(bob)[0]?.state === 'active',
      20_000,
      'both sides active',
    );
    const [onAlice] = list(alice);
    expect(onAlice).toMatchObject({ name: 'bob', peerId: bobPeer, state: 'active', verified: false });
    // The single-use invite is spent.
    const reuse = world.run(bob, ['contacts', 'add', 'alice2', link]);
    expect(reuse.code).toBe(1);
  });

  it('list (text): one line per contact with name, peer id and state', () => {
    const r = world.run(alice, ['contacts', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^bob\\t${bobPeer}\\t(online|offline), not verified\\n$`));
  });

  it('verify: 12 groups of 5 digits, the same on both sides; --confirm marks verified', () => {
    const a = world.run(alice, ['verify', 'bob']);
    const b = world.run(bob, ['verify', 'alice']);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const groups = (out: string): string[] => out.match(/\b\d{5}\b/g) ?? [];
    expect(groups(a.stdout)).toHaveLength(12);
    expect(groups(a.stdout)).toEqual(groups(b.stdout));
    expect(a.stdout.split('\n').filter((l) => /^\s+\d{5}( \d{5}){3}$/.test(l))).toHaveLength(3);
    expect(a.stderr).toContain('parley verify bob --confirm');

    const j = ndjson(world.run(alice, ['--json', 'verify', 'bob']).stdout)[0];
    expect(j).toMatchObject({ contact: 'bob', verified: false });
    expect(j?.groups).toEqual(groups(a.stdout));
    expect(j?.safetyNumber).toBe(groups(a.stdout).join(''));

    const c = world.run(alice, ['--json', 'verify', 'bob', '--confirm']);
    expect(c.code).toBe(0);
    expect(ndjson(c.stdout)[0]).toMatchObject({ verified: true });
    expect(list(alice)[0]?.verified).toBe(true);
    expect(list(bob)[0]?.verified).toBe(false);
  });

  it('rename (--json) keeps the conversation reachable under the new name', () => {
    const r = world.run(alice, ['--json', 'contacts', 'rename', 'bob', 'robert']);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({ name: 'robert', peerId: bobPeer, verified: true });
    expect(list(alice).map((c) => c.name)).toEqual(['robert']);
    expect(world.run(alice, ['send', 'bob', 'hi']).code).toBe(1);
    expect(world.run(alice, ['send', 'robert', 'hi robert']).code).toBe(0);
    expect(world.run(alice, ['contacts', 'rename', 'nobody', 'x']).code).toBe(1);
  });

  it('unknown contact → exit 1 for send, messages, verify, remove', () => {
    for (const args of [
      ['send', 'nobody', 'hi'],
      ['messages', 'nobody'],
      ['verify', 'nobody'],
      ['contacts', 'remove', 'nobody'],
    ]) {
      const r = world.run(alice, ['--json', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(ndjson(r.stdout)[0]?.error).toMatchObject({ code: 'unknown-contact' });
    }
  });

  it('remove (--json) forgets the contact', () => {
    const r = world.run(alice, ['--json', 'contacts', 'remove', 'robert']);
    expect(r.code).toBe(0);
    expect(ndjson(r.stdout)[0]).toMatchObject({ name: 'robert', peerId: bobPeer });
    expect(list(alice)).toEqual([]);
    expect(world.run(alice, ['contacts', 'list']).stdout).toBe('');
    expect(world.run(alice, ['messages', 'robert']).code).toBe(1);
  });

  it('usage errors of contacts → exit 2', () => {
    expect(world.run(alice, ['contacts', 'frob']).code).toBe(2);
    expect(world.run(alice, ['contacts', 'add', 'x']).code).toBe(2);
    expect(world.run(alice, ['verify']).code).toBe(2);
  });
});
