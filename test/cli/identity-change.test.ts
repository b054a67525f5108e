/**
 * Exit code 4: bob "reinstalls" keeping his PeerId (libp2p key) but with a new
 * identity key and accepts a fresh invite from alice, who had verified him.
 * alice's `send` and `verify --confirm` then exit 4 until `contacts accept-key`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../apps/cli/src/cli-error.ts';
import {
  EXIT_FAILURE,
  EXIT_IDENTITY_CHANGED,
  EXIT_UNAVAILABLE,
  EXIT_USAGE,
} from '../../apps/cli/src/exit-codes.ts';
import { ndjson, reinstallKeepingPeerKey } from '../support/cli.ts';
import { type Daemon, eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
let alice = '';
let bob = '';
let bobD: Daemon;

beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  [, bobD] = await Promise.all([world.daemon(alice), world.daemon(bob)]);
  await world.befriend(alice, 'alice', bob, 'bob');
});
afterAll(() => world.cleanup());

describe('exitCodeFor', () => {
  it('maps the daemon error codes to the documented exit codes', () => {
    expect(EXIT_IDENTITY_CHANGED).toBe(4);
    expect(EXIT_UNAVAILABLE).toBe(3);
    expect(exitCodeFor('identity-changed')).toBe(4);
    expect(exitCodeFor('daemon-not-running')).toBe(3);
    expect(exitCodeFor('unreachable')).toBe(3);
    expect(exitCodeFor('usage')).toBe(EXIT_USAGE);
    for (const code of ['unknown-contact', 'bad-input', 'account-exists', 'internal', 'error'])
      expect(exitCodeFor(code), code).toBe(EXIT_FAILURE);
  });
});

describe("a verified contact's identity key changes", () => {
  it('send and verify --confirm exit 4 until the new key is accepted', async () => {
    expect(world.run(alice, ['verify', 'bob', '--confirm']).code).toBe(0);
    const oldNumber = ndjson(world.run(alice, ['--json', 'verify', 'bob']).stdout)[0]?.safetyNumber;

    await world.stop(bobD);
    const bob2 = world.home('bob2');
    const peerId = await reinstallKeepingPeerKey(bob, bob2, 'bob');
    expect(peerId).toBe(bobD.peerId);
    const bob2D = await world.daemon(bob2);
    expect(bob2D.peerId).toBe(bobD.peerId);
    const link = world.run(alice, ['invite']).stdout.trim();
    expect(world.run(bob2, ['contacts', 'add', 'alice', link]).code).toBe(0);

    const bobOnAlice = () =>
      ndjson<{ name: string; identityChanged: boolean; sendingBlocked: boolean; verified: boolean }>(
        world.run(alice, ['--json', 'contacts', 'list']).stdout,
      ).find((c) => c.name === 'bob');
    await eventually(() => bobOnAlice()?.identityChanged === true, 20_000, 'alice sees the key change');
    expect(bobOnAlice()).toMatchObject({ sendingBlocked: true, verified: true });
    expect(world.run(alice, ['contacts', 'list']).stdout).toContain('KEY CHANGED');

    const send = world.run(alice, ['--json', 'send', 'bob', 'secret']);
    expect(send.code).toBe(4);
    expect(ndjson(send.stdout)[0]).toMatchObject({ error: { code: 'identity-changed' } });
    expect(send.stderr).toContain('parley verify bob');
    const textSend = world.run(alice, ['send', 'bob', 'secret']);
    expect(textSend.code).toBe(4);
    expect(textSend.stdout).toBe('');
    expect(world.run(alice, ['verify', 'bob', '--confirm']).code).toBe(4);
    // The safety number shown is the new one.
    expect(ndjson(world.run(alice, ['--json', 'verify', 'bob']).stdout)[0]?.safetyNumber).not.toBe(oldNumber);

    const accept = world.run(alice, ['--json', 'contacts', 'accept-key', 'bob']);
    expect(accept.code, accept.stderr).toBe(0);
    expect(ndjson(accept.stdout)[0]).toMatchObject({ name: 'bob', identityChanged: false, verified: false });
    const after = world.run(alice, ['send', 'bob', 'welcome back', '--wait', '--timeout', '15']);
    expect(after.code, after.stderr).toBe(0);
    expect(world.run(bob2, ['messages', 'alice']).stdout).toContain('welcome back');
    // Both sides agree on the new number.
    const a = ndjson(world.run(alice, ['--json', 'verify', 'bob']).stdout)[0]?.safetyNumber;
    const b = ndjson(world.run(bob2, ['--json', 'verify', 'alice']).stdout)[0]?.safetyNumber;
    expect(a).toBe(b);
  });
});
