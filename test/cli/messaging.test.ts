/**
 * `send` (argument, --stdin, --lines, --wait) and `messages` (--json, --follow)
 * between two real daemons on loopback, checked against the CLI contract.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, lineReader, type MessageJson, ndjson } from '../support/cli.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const world = new ParleyWorld();

printLogsOnFailure(world);
let alice = '';
let bob = '';

beforeAll(async () => {
  alice = world.account('alice');
  bob = world.account('bob');
  await Promise.all([world.daemon(alice), world.daemon(bob)]);
  await world.befriend(alice, 'alice', bob, 'bob');
});
afterAll(() => world.cleanup());

const ID = /^[0-9a-f]{32}$/;
const OUT_STATUS = ['queued', 'sent', 'delivered', 'read', 'failed'];

const messagesOf = (home: string, name: string, extra: string[] = []): MessageJson[] => {
  const r = world.run(home, ['--json', 'messages', name, ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return ndjson<MessageJson>(r.stdout);
};

/** Asserts the issue-6 message contract on one JSON message. */
function expectContract(m: MessageJson, conversation: string): void {
  expect(m.id).toMatch(ID);
  expect(m.conversation).toBe(conversation);
  expect(['in', 'out']).toContain(m.direction);
  expect(typeof m.from).toBe('string');
  expect(m.from).toBe(m.direction === 'out' ? 'me' : conversation);
  expect(typeof m.text).toBe('string');
  expect(Number.isInteger(m.sentAt)).toBe(true);
  expect(Math.abs(m.sentAt - Date.now())).toBeLessThan(10 * 60_000);
  // Every status is one of the contract's five: ours move queued → sent → delivered → read
  // (or failed); theirs are delivered (unread) or read.
  expect(m.direction === 'out' ? OUT_STATUS : ['delivered', 'read']).toContain(m.status);
}

describe('chat both ways', () => {
  it('send prints the id on stdout; messages shows it on both sides', async () => {
    const a = world.run(alice, ['send', 'bob', 'hello bob']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    const b = world.run(bob, ['--json', 'send', 'alice', 'hello alice']);
    expect(b.code, b.stderr).toBe(0);
    const [sent] = ndjson<MessageJson>(b.stdout);
    expect(sent).toMatchObject({ conversation: 'alice', direction: 'out', from: 'me', text: 'hello alice' });
    expectContract(sent as MessageJson, 'alice');

    await eventually(
      () => messagesOf(bob, 'alice').some((m) => m.text === 'hello bob' && m.direction === 'in'),
      15_000,
      'bob receives',
    );
    await eventually(
      () => messagesOf(alice, 'bob').some((m) => m.text === 'hello alice' && m.direction === 'in'),
      15_000,
      'alice receives',
    );
    const text = world.run(alice, ['messages', 'bob']);
    expect(text.stdout).toMatch(/^\[\d\d:\d\d\] me: hello bob {2}✓/m);
    expect(text.stdout).toMatch(/^\[\d\d:\d\d\] bob: hello alice$/m);
  });

  it('messages --json: exactly the contract fields, oldest first, same id on both sides', async () => {
    await eventually(
      () => messagesOf(alice, 'bob').find((m) => m.text === 'hello bob')?.status === 'delivered',
      15_000,
      'delivery receipt',
    );
    const onAlice = messagesOf(alice, 'bob');
    const onBob = messagesOf(bob, 'alice');
    for (const m of onAlice) expectContract(m, 'bob');
    for (const m of onBob) expectContract(m, 'alice');
    expect(onAlice.map((m) => m.sentAt)).toEqual([...onAlice.map((m) => m.sentAt)].sort((x, y) => x - y));
    const out = onAlice.find((m) => m.text === 'hello bob') as MessageJson;
    const inn = onBob.find((m) => m.text === 'hello bob') as MessageJson;
    expect(out).toMatchObject({ direction: 'out', from: 'me', status: 'delivered' });
    expect(inn).toMatchObject({ id: out.id, direction: 'in', from: 'alice', conversation: 'alice' });
    expect(messagesOf(alice, 'bob', ['--limit', '1'])).toHaveLength(1);
    expect(world.run(alice, ['messages', 'bob', '--limit', '0']).code).toBe(2);
  });

  it('messages --follow streams a new message as one NDJSON line', async () => {
    const follow = world.spawn(alice, ['--json', 'messages', 'bob', '--follow', '--limit', '1']);
    const reader = lineReader(follow);
    await reader.waitFor((l) => l.startsWith('{'), 15_000); // the backlog: subscribed by now
    const r = world.run(bob, ['send', 'alice', 'streamed to alice']);
    expect(r.code).toBe(0);
    const line = await reader.waitFor((l) => l.includes('streamed to alice'), 15_000);
    const m = JSON.parse(line) as MessageJson;
    expectContract(m, 'bob');
    expect(m).toMatchObject({ id: r.stdout.trim(), direction: 'in', from: 'bob', text: 'streamed to alice' });
    for (const l of reader.lines()) expect(() => JSON.parse(l)).not.toThrow();
    expect(follow.exitCode).toBeNull(); // still following
    follow.kill('SIGTERM');
    await exited(follow);
  });

  it('send --lines: one message per non-empty line, one id per line', async () => {
    const r = world.run(alice, ['send', 'bob', '--lines'], { input: 'line one\n\nline two\r\nline three' });
    expect(r.code, r.stderr).toBe(0);
    const ids = r.stdout.trim().split('\n');
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(ID);
    await eventually(() => {
      const got = messagesOf(bob, 'alice').filter((m) => ids.includes(m.id));
      return got.map((m) => m.text).join('|') === 'line one|line two|line three';
    }, 15_000);
  });

  it('send --stdin: all of stdin is one message (final newline dropped)', async () => {
    const r = world.run(alice, ['--json', 'send', 'bob', '--stdin'], { input: 'first\nsecond\n' });
    expect(r.code, r.stderr).toBe(0);
    const [m] = ndjson<MessageJson>(r.stdout);
    expect(m?.text).toBe('first\nsecond');
    await eventually(() =>
      messagesOf(bob, 'alice').some((x) => x.id === m?.id && x.text === 'first\nsecond'),
    );
    expect(world.run(alice, ['send', 'bob', '--stdin'], { input: '' }).code).toBe(2);
    expect(world.run(alice, ['send', 'bob', '--stdin'], { input: '\n' }).code).toBe(2);
    expect(world.run(alice, ['send', 'bob', '--lines'], { input: '\n\n' }).code).toBe(2);
    expect(world.run(alice, ['send', 'bob', 'text', '--stdin']).code).toBe(2);
  });

  it('send --wait returns once the message is delivered', () => {
    const r = world.run(bob, ['--json', 'send', 'alice', 'wait for me', '--wait', '--timeout', '20']);
    expect(r.code, r.stderr).toBe(0);
    const [m] = ndjson<MessageJson>(r.stdout);
    const stored = messagesOf(bob, 'alice').find((x) => x.id === m?.id);
    expect(['delivered', 'read']).toContain(stored?.status);
    expect(messagesOf(alice, 'bob').some((x) => x.id === m?.id)).toBe(true);
  });

  it('does not let a message drive the terminal (control characters are replaced in text mode)', async () => {
    const r = world.run(bob, ['send', 'alice', 'evil\u001b[2Jclear']);
    expect(r.code).toBe(0);
    await eventually(() => world.run(alice, ['messages', 'bob']).stdout.includes('evil\uFFFD[2Jclear'));
    expect(world.run(alice, ['messages', 'bob']).stdout).not.toContain('\u001b');
    expect(messagesOf(alice, 'bob').some((m) => m.text === 'evil\u001b[2Jclear')).toBe(true);
  });
});
