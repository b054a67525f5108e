/**
 * A passphrase change killed with SIGKILL at any moment (issue 20) leaves an account that opens
 * with the old passphrase or the new one, never neither. Real daemons, real files: the daemon
 * kills itself at each step of the change (PARLEY_FAULTS killAtPassphraseStep: the new vault
 * header written beside the old one; renamed over it; the old key file about to go), and, besides,
 * the test kills it at random moments of changes in flight. After every kill the account is
 * opened from the files, in this process, with each passphrase.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CoreError, openAccount } from '@parley/core';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { unlockAccountDatabase } from '@parley/store';
import { afterAll, describe, expect, it } from 'vitest';
import { exited } from '../support/cli.ts';
import { type Daemon, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();
printLogsOnFailure(world);
afterAll(() => world.cleanup());

const OLD = 'the old passphrase, long enough';
const NEW = 'the new passphrase, long enough';
/** Random kills: how many, and the longest delay after the request (a change takes ~1–3 s here). */
const RANDOM_KILLS = 4;
const RANDOM_KILL_MAX_MS = 3_000;
/** A daemon start, a change, two unlocks per kill, on a loaded machine. */
const RANDOM_TEST_TIMEOUT_MS = 180_000;

/** Whether the account in `home` opens with `passphrase` (its name read back), or is refused as wrong. */
async function opensWith(home: string, passphrase: string): Promise<boolean> {
  const files = { database: join(home, 'parley.db'), vault: join(home, 'account.vault') };
  try {
    const { store, vault } = await unlockAccountDatabase(
      files,
      { passphrase },
      { primitives: nodePrimitives, random: systemRandom },
    );
    try {
      expect(openAccount(store, vault, nodePrimitives).info.name).toBe('kim');
      return true;
    } finally {
      store.close();
      vault.lock();
    }
  } catch (error) {
    if (error instanceof CoreError && error.code === 'wrong-passphrase') return false;
    throw error;
  }
}

function passphraseAccount(label: string): string {
  const home = world.home(label);
  const r = world.run(home, ['init', '--name', 'kim', '--passphrase-stdin'], { input: `${OLD}\n` });
  if (r.code !== 0) throw new Error(r.stderr);
  return home;
}

/** Asks the daemon to change the passphrase; resolves with its answer or the failure of the call. */
const change = (d: Daemon, current: string | null, next: string): Promise<unknown> =>
  world
    .rpc(d.home, 'account.changePassphrase', { passphrase: current, newPassphrase: next })
    .catch((error: unknown) => error);

const killedAt = (step: string) => ({ PARLEY_FAULTS: JSON.stringify({ killAtPassphraseStep: step }) });

describe('a passphrase change killed at each of its steps', () => {
  it('after the new header is written beside the old: the old passphrase opens, the new does not', async () => {
    const home = passphraseAccount('kill-temp');
    const d = await world.daemon(home, [], { PARLEY_PASSPHRASE: OLD, ...killedAt('temp-written') });
    await change(d, OLD, NEW);
    expect(await exited(d.process)).toBe('SIGKILL');
    expect(await opensWith(home, OLD)).toBe(true);
    expect(await opensWith(home, NEW)).toBe(false);
    expect(existsSync(join(home, 'account.vault.tmp'))).toBe(false); // the unlock removed it
  });

  it('after the rename: the new passphrase opens, the old does not', async () => {
    const home = passphraseAccount('kill-renamed');
    const d = await world.daemon(home, [], { PARLEY_PASSPHRASE: OLD, ...killedAt('renamed') });
    await change(d, OLD, NEW);
    expect(await exited(d.process)).toBe('SIGKILL');
    expect(await opensWith(home, NEW)).toBe(true);
    expect(await opensWith(home, OLD)).toBe(false);
  });

  it('a key file account, before its key file goes: the passphrase opens it, and the next start deletes the key file', async () => {
    const home = world.home('kill-keyfile');
    expect(world.run(home, ['init', '--name', 'kim', '--no-passphrase']).code).toBe(0);
    const d = await world.daemon(home, [], killedAt('key-file'));
    await change(d, null, NEW);
    expect(await exited(d.process)).toBe('SIGKILL');
    expect(existsSync(join(home, 'account.key'))).toBe(true);
    expect(await opensWith(home, NEW)).toBe(true);
    const again = await world.daemon(home, [], { PARLEY_PASSPHRASE: NEW });
    expect(existsSync(join(home, 'account.key'))).toBe(false);
    await world.stop(again);
  });
});

describe('a passphrase change killed at random moments', { timeout: RANDOM_TEST_TIMEOUT_MS }, () => {
  it(`opens with exactly one of the two passphrases after each of ${RANDOM_KILLS} kills`, async () => {
    const home = passphraseAccount('kill-random');
    let current = OLD;
    let next = NEW;
    for (let i = 0; i < RANDOM_KILLS; i++) {
      const d = await world.daemon(home, [], { PARLEY_PASSPHRASE: current });
      let answered = false;
      const call = change(d, current, next).then((r) => {
        answered = !(r instanceof Error);
      });
      await new Promise((r) => setTimeout(r, Math.random() * RANDOM_KILL_MAX_MS));
      await world.kill(d);
      await call;
      const [withCurrent, withNext] = [await opensWith(home, current), await opensWith(home, next)];
      expect(
        withCurrent !== withNext,
        `kill ${i}: opens with the old: ${withCurrent}, the new: ${withNext}`,
      ).toBe(true);
      if (answered) expect(withNext).toBe(true); // a change the daemon confirmed is never lost
      if (withNext) [current, next] = [next, current];
    }
  });
});
