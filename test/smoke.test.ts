import { afterAll, describe, expect, it } from 'vitest';
import { eventually, ParleyWorld, printLogsOnFailure } from './support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
afterAll(() => world.cleanup());

describe('two real daemons on loopback', () => {
  it('become contacts from an invite and exchange a message', async () => {
    const alice = world.account('alice');
    const bob = world.account('bob');
    await world.daemon(alice);
    await world.daemon(bob);
    await world.befriend(alice, 'alice', bob, 'bob');
    const sent = world.run(bob, ['send', 'alice', 'hello over libp2p', '--wait', '--timeout', '20']);
    expect(sent.code).toBe(0);
    expect(sent.stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
    await eventually(() => world.run(alice, ['messages', 'bob']).stdout.includes('hello over libp2p'));
  });
});
