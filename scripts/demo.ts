/**
 * `pnpm demo`: two local accounts on loopback, introduced by an invite,
 * exchanging a few messages — everything through the real `parley` command.
 * Leaves nothing behind (temporary data folders are removed).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../apps/cli/bin/parley.js', import.meta.url).pathname;
const daemons: ChildProcess[] = [];
const homes: string[] = [];

function parley(home: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [bin, '--home', home, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parley ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function daemon(home: string): Promise<void> {
  const child = spawn(
    process.execPath,
    // A closed network: the demo never dials the public bootstrap list.
    [
      bin,
      '--home',
      home,
      '--json',
      'daemon',
      '--network',
      'private',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--no-mdns',
    ],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  daemons.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d) => String(d).includes('"ready"') && resolve());
    child.once('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
  });
}

const say = (text: string): void => {
  process.stdout.write(`\n\x1b[1m${text}\x1b[0m\n`);
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  for (const name of ['alice', 'bob']) {
    const home = mkdtempSync(join(tmpdir(), `parley-demo-${name}-`));
    homes.push(home);
    say(`$ parley init --name ${name} --no-passphrase`);
    process.stdout.write(parley(home, 'init', '--name', name, '--no-passphrase'));
  }
  const [alice, bob] = homes as [string, string];
  say('Starting both daemons on 127.0.0.1…');
  await Promise.all([daemon(alice), daemon(bob)]);
  say('alice$ parley invite');
  const link = parley(alice, 'invite').trim();
  process.stdout.write(`${link}\n`);
  say(`bob$ parley contacts add alice '${link.slice(0, 32)}…'`);
  parley(bob, 'contacts', 'add', 'alice', link);
  await pause(1500);
  say('bob$ parley send alice "Hi Alice! This went straight from my machine to yours." --wait');
  process.stdout.write(
    parley(bob, 'send', 'alice', 'Hi Alice! This went straight from my machine to yours.', '--wait'),
  );
  say('alice$ parley send bob "Hi Bob — end to end encrypted, no server in between." --wait');
  process.stdout.write(
    parley(alice, 'send', 'bob', 'Hi Bob — end to end encrypted, no server in between.', '--wait'),
  );
  say('alice$ parley messages bob');
  process.stdout.write(parley(alice, 'messages', 'bob'));
  say('alice$ parley verify bob');
  process.stdout.write(parley(alice, 'verify', 'bob'));
  say('Done. Try it yourself: "pnpm -s parley --help", or "npm start" for the desktop app.');
} finally {
  for (const d of daemons) d.kill('SIGTERM');
  await pause(500);
  for (const h of homes) rmSync(h, { recursive: true, force: true });
}
