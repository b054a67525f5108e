/**
 * `pnpm bench:groups` (issue 9): prints ONE JSON object on stdout, progress on stderr.
 *
 * 1. Channel propagation: one owner + FOLLOWERS (200) in-process messengers
 *    (memory stores, real @parley/net libp2p nodes on loopback: gossipsub for
 *    real). Connection limits are set on purpose: the owner keeps at most
 *    OWNER_MAX_CONNECTIONS, each follower dials FOLLOWER_DIALS random other
 *    followers and keeps at most FOLLOWER_MAX_CONNECTIONS, so a post must hop
 *    through the gossipsub mesh (D = 6) instead of one flood from the owner.
 *    For each of POSTS posts: ms until 99 % and 100 % of followers stored it
 *    (signature verified, sealed at rest).
 * 2. Group fan-out: a 50-member group (creator + 49 contacts) on the memory
 *    network; messages/s from the creator's sends until every member has
 *    every message. Falls back to pairwise sends to 49 contacts if the group
 *    API throws (reported in `group.mode`).
 *
 * 3. The same 50-member group in large-group mode (gossipsub topic, docs/GROUPS.md): one publish
 *    per message instead of 49 outbox frames (`groupTopic`).
 *
 * 4. Opt-in, `--large-group 500,1000`: what membership changes of groups of those sizes cost
 *    (docs/SCALE.md "Large groups: state changes"): create, add one, remove one, rename — the
 *    admin's time and longest transaction, the frames and bytes it queues, every running node's
 *    frames and publishes, and how long until the running members applied it. 3 members run; the
 *    others were befriended and then stopped. `--baseline REV [--baseline-size 500]` measures the
 *    same with the code of git revision REV (a worktree, its own bench) in the same run.
 *
 * `--followers N`, `--posts N`, `--messages N` change the sizes; `--groups-only` skips 1,
 * `--large-only` skips 1–3.
 */
import { parseArgs } from 'node:util';
import {
  createMemoryBlobStore,
  createMemoryNetwork,
  createMemoryStore,
  createMessenger,
  type Messenger,
} from '@parley/core';
import { createTestAccount, testPeerId } from '@parley/core/testing';
import { systemRandom } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { type ChannelNode, eventually, startNode, stopNode } from '../channels/support.ts';

const { values } = parseArgs({
  options: {
    followers: { type: 'string' },
    posts: { type: 'string' },
    messages: { type: 'string' },
    'groups-only': { type: 'boolean' },
    'large-group': { type: 'string' },
    'large-only': { type: 'boolean' },
    baseline: { type: 'string' },
    'baseline-size': { type: 'string' },
  },
});
const FOLLOWERS = Number(values.followers ?? 200);
const POSTS = Number(values.posts ?? 5);
const GROUP_MESSAGES = Number(values.messages ?? 200);
/** `--large-group 500,1000`: the sizes measured (members, admin included). */
const LARGE_GROUPS = (values['large-group'] ?? '')
  .split(',')
  .filter((x) => x !== '')
  .map(Number);
const BASELINE_SIZE = Number(values['baseline-size'] ?? 500);
const OWNER_MAX_CONNECTIONS = 24;
const FOLLOWER_MAX_CONNECTIONS = 32;
const FOLLOWER_DIALS = 6;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1)] as number;
};

async function channelBench() {
  const t0 = Date.now();
  const owner = await startNode('owner', { maxConnections: OWNER_MAX_CONNECTIONS });
  owner.messenger.createChannel('bench');
  const link = owner.messenger.channelInvite('bench').link;
  const followers: ChannelNode[] = [];
  for (let i = 0; i < FOLLOWERS; i += 20) {
    const n = Math.min(20, FOLLOWERS - i);
    followers.push(
      ...(await Promise.all(
        Array.from({ length: n }, (_, j) =>
          startNode(`f${i + j}`, { maxConnections: FOLLOWER_MAX_CONNECTIONS }),
        ),
      )),
    );
  }
  log(`started ${FOLLOWERS + 1} nodes in ${Date.now() - t0} ms`);
  // a random graph among followers, then follow (which also dials the owner; it prunes to its limit)
  await Promise.all(
    followers.map(async (f, i) => {
      for (let k = 0; k < FOLLOWER_DIALS; k++) {
        const other = followers[
          (i + 1 + Math.floor(Math.random() * (FOLLOWERS - 1))) % FOLLOWERS
        ] as ChannelNode;
        await f.transport
          .connect(other.transport.peerId, { addresses: other.transport.addresses() })
          .catch(() => undefined);
      }
    }),
  );
  for (const f of followers) f.messenger.followChannel(link);
  log('waiting for the mesh (10 heartbeats)…');
  await sleep(8_000);
  const connections = followers.map((f) => f.transport.node.getConnections().length);
  const ownerConnections = owner.transport.node.getConnections().length;
  const runs: Array<{ p99Ms: number; p100Ms: number; reached: number }> = [];
  for (let k = 0; k < POSTS; k++) {
    const arrivals: number[] = [];
    const unsub = followers.map((f) =>
      f.messenger.events.on('post', (v) => {
        if (v.seq === k + 1) arrivals.push(Date.now());
      }),
    );
    const start = Date.now();
    owner.messenger.post('bench', `post ${k + 1} ${'x'.repeat(200)}`);
    await eventually(() => arrivals.length >= FOLLOWERS, 60_000, `post ${k + 1} at every follower`).catch(
      () => undefined,
    );
    for (const u of unsub) u();
    const times = arrivals.map((a) => a - start);
    runs.push({
      p99Ms: times.length >= Math.ceil(0.99 * FOLLOWERS) ? pct(times, 99) : -1,
      p100Ms: times.length === FOLLOWERS ? Math.max(...times) : -1,
      reached: times.length,
    });
    log(`post ${k + 1}: ${JSON.stringify(runs[k])}`);
    await sleep(500);
  }
  await Promise.allSettled([owner, ...followers].map((n) => stopNode(n)));
  const ok = runs.filter((r) => r.p100Ms >= 0);
  return {
    followers: FOLLOWERS,
    ownerMaxConnections: OWNER_MAX_CONNECTIONS,
    followerMaxConnections: FOLLOWER_MAX_CONNECTIONS,
    followerDials: FOLLOWER_DIALS,
    ownerConnections,
    followerConnectionsMedian: pct(connections, 50),
    posts: runs,
    p99MsMedian: pct(
      runs.map((r) => r.p99Ms),
      50,
    ),
    p100MsMedian: ok.length
      ? pct(
          ok.map((r) => r.p100Ms),
          50,
        )
      : -1,
  };
}

/** Members join every group they are invited to, at once (an invitation is a request: docs/GROUPS.md). */
function acceptInvitations(m: Messenger): void {
  m.events.on('group', (e) => {
    if (e.change !== 'invited') return;
    queueMicrotask(() => {
      try {
        m.acceptGroup(e.group.id);
      } catch {
        // withdrawn or replaced meanwhile: the newer invitation comes with its own event
      }
    });
  });
}

/** `topicMinMembers`: the messenger's threshold for gossipsub (large-group) mode; 51 = always pairwise. */
async function groupBench(topicMinMembers: number) {
  const network = createMemoryNetwork();
  const make = async (name: string): Promise<Messenger> => {
    const store = createMemoryStore();
    const peerId = testPeerId(name);
    const account = await createTestAccount(store, name, nodePrimitives);
    const m = createMessenger({
      store,
      transport: network.createTransport(peerId),
      account,
      blobs: createMemoryBlobStore(),
      primitives: nodePrimitives,
      random: systemRandom,
      limits: { groupTopicMinMembers: topicMinMembers },
    });
    await m.start();
    acceptInvitations(m);
    return m;
  };
  const creator = await make('creator');
  const members = await Promise.all(Array.from({ length: 49 }, (_, i) => make(`m${i}`)));
  for (const [i, m] of members.entries()) {
    m.acceptInvite(creator.createInvite().link, 'creator');
    await eventually(
      () => creator.contacts().some((c) => c.name === `m${i}` && c.state === 'active'),
      10_000,
      `m${i}`,
    ).catch(async () => {
      // the contact's name on the creator's side is the member's own name
      await eventually(() => creator.contacts().length === i + 1, 10_000, `contact ${i}`);
    });
  }
  const names = creator.contacts().map((c) => c.name);
  let mode = topicMinMembers <= members.length + 1 ? 'group (gossipsub topic)' : 'group (pairwise)';
  let received = 0;
  for (const m of members)
    m.events.on('message', (v) => {
      if (v.direction === 'in' && v.text.startsWith('bench ')) received++;
    });
  let send: (text: string) => void;
  try {
    creator.createGroup('bench', names);
    await sleep(2_000); // sender keys distributed
    send = (text) => void creator.sendText('bench', text);
  } catch (error) {
    mode = `pairwise (group API unavailable: ${(error as Error).message.slice(0, 80)})`;
    send = (text) => {
      for (const n of names) creator.sendText(n, text);
    };
  }
  const expected = GROUP_MESSAGES * members.length;
  const framesBefore = network.framesSent();
  const start = Date.now();
  for (let i = 0; i < GROUP_MESSAGES; i++) send(`bench ${i}`);
  const queuedMs = Date.now() - start;
  await eventually(() => received >= expected, 120_000, 'every member has every message').catch(
    () => undefined,
  );
  const ms = Date.now() - start;
  // /parley/msg frames written while the messages were delivered (GROUP frames + their ACKs);
  // published messages are not frames.
  const frames = network.framesSent() - framesBefore;
  for (const m of [creator, ...members]) await m.stop();
  return {
    mode,
    members: members.length + 1,
    messages: GROUP_MESSAGES,
    deliveries: received,
    expectedDeliveries: expected,
    sendQueuedMs: queuedMs,
    framesSent: frames,
    totalMs: ms,
    messagesPerSecond: Math.round((GROUP_MESSAGES / ms) * 1000),
    deliveriesPerSecond: Math.round((received / ms) * 1000),
  };
}

/**
 * One admin, `size - 1` contacts in the group (3 running, the rest befriended and stopped) and one
 * more contact added later: the group created, one member removed, another added, the group renamed.
 * Per change: the admin's time (every admin transaction until the last copy is queued: the change
 * is sent in batches, docs/GROUPS.md "Deltas"), its longest transaction, what it queued (frames,
 * bytes, bytes per recipient), the pairwise frames and publishes of every running node until the
 * running members applied it, and how long that took.
 */
async function largeGroupBench(size: number) {
  const network = createMemoryNetwork();
  const counted = { frames: 0, publishes: 0 };
  /** Every admin transaction, and those of the change itself (they save the group: the change, its batches). */
  const adminTx = { ms: 0, max: 0, count: 0, changeMs: 0, changeMax: 0, changeCount: 0 };
  const make = async (name: string, timed = false) => {
    const inner = createMemoryStore();
    const store: typeof inner = timed
      ? {
          ...inner,
          transaction: (fn) => {
            const t = performance.now();
            let wroteGroup = false;
            try {
              return inner.transaction((tx) =>
                fn(
                  new Proxy(tx, {
                    get(target, key) {
                      const value = Reflect.get(target, key);
                      if (key === 'putGroup') wroteGroup = true; // the change's own transactions save the group
                      return typeof value === 'function' ? value.bind(target) : value;
                    },
                  }),
                ),
              );
            } finally {
              const ms = performance.now() - t;
              adminTx.ms += ms;
              adminTx.max = Math.max(adminTx.max, ms);
              adminTx.count++;
              if (wroteGroup) {
                adminTx.changeMs += ms;
                adminTx.changeMax = Math.max(adminTx.changeMax, ms);
                adminTx.changeCount++;
              }
            }
          },
        }
      : inner;
    const peerId = testPeerId(name);
    const account = await createTestAccount(store, name, nodePrimitives);
    const raw = network.createTransport(peerId);
    const transport: typeof raw = {
      ...raw,
      send: (peer, frame, options) => {
        if (frame[1] !== 2) counted.frames++; // not an ACK
        return raw.send(peer, frame, options);
      },
      publish: (topic, data) => {
        counted.publishes++;
        return raw.publish(topic, data);
      },
    };
    const messenger = createMessenger({
      store,
      transport,
      account,
      blobs: createMemoryBlobStore(),
      primitives: nodePrimitives,
      random: systemRandom,
    });
    await messenger.start();
    acceptInvitations(messenger);
    return { name, store, transport: raw, messenger };
  };
  const admin = await make('admin', true);
  const others: Array<Awaited<ReturnType<typeof make>>> = [];
  for (let i = 0; i < size; i++) others.push(await make(`m${String(i).padStart(4, '0')}`));
  for (const [i, p] of others.entries()) {
    if (i % 100 === 0) log(`largeGroup ${size}: befriending ${i}/${others.length}`);
    p.messenger.acceptInvite(admin.messenger.createInvite().link, 'admin');
    await eventually(() => p.messenger.contacts().some((c) => c.state === 'active'), 10_000, p.name);
  }
  await eventually(
    () => admin.messenger.contacts().filter((c) => c.state === 'active').length === size,
    10_000,
    'contacts',
  );
  const late = others.pop() as (typeof others)[number]; // added by the second change
  const live = others.slice(0, 3);
  for (const p of [...others.slice(3), late]) {
    await p.messenger.stop();
    await p.transport.stop();
  }
  const queued = () => {
    const rows = admin.store.transaction((tx) =>
      [...others, late].flatMap((p) => tx.listOutbox(`12D3KooW${p.name}`)),
    );
    return { frames: rows.length, bytes: rows.reduce((n, r) => n + r.frame.length, 0) };
  };
  const epochOf = (p: Awaited<ReturnType<typeof make>>) => {
    try {
      return p.messenger.group('big').epoch;
    } catch {
      return 0;
    }
  };
  const change = async (what: string, fn: () => void, epoch: number, running: typeof live) => {
    log(`largeGroup ${size}: ${what}`);
    const before = queued();
    Object.assign(adminTx, { ms: 0, max: 0, count: 0, changeMs: 0, changeMax: 0, changeCount: 0 });
    Object.assign(counted, { frames: 0, publishes: 0 });
    const t = performance.now();
    fn();
    const callMs = performance.now() - t;
    await eventually(() => admin.messenger.group('big').pending === 0, 600_000, `${what} queued`);
    const queuedMs = performance.now() - t;
    const admin_ = { ...adminTx };
    const after = queued();
    await eventually(() => running.every((p) => epochOf(p) === epoch), 600_000, `${what} applied`);
    const appliedMs = performance.now() - t;
    await sleep(1000); // what the change set off (keys, ACKs) settles
    const recipients = size - 1;
    return {
      callMs: Math.round(callMs),
      // The change's own transactions (the change and its batches): the admin's time for it.
      changeMs: Math.round(admin_.changeMs),
      changeTransactions: admin_.changeCount,
      longestChangeTransactionMs: Math.round(admin_.changeMax),
      // Every admin transaction meanwhile, outbox flushes to the offline members included.
      adminMs: Math.round(admin_.ms),
      adminTransactions: admin_.count,
      longestTransactionMs: Math.round(admin_.max),
      queuedMs: Math.round(queuedMs),
      appliedMs: Math.round(appliedMs),
      outboxGrowthFrames: after.frames - before.frames, // net: new rows minus those the running members ACKed
      outboxGrowthBytes: after.bytes - before.bytes,
      bytesPerRecipient: Math.round((after.bytes - before.bytes) / recipients),
      networkFrames: counted.frames, // every running node's non-ACK frames until applied + 1 s
      publishes: counted.publishes,
    };
  };
  const created = await change(
    'create',
    () =>
      admin.messenger.createGroup(
        'big',
        others.map((p) => p.name),
      ),
    1,
    live,
  );
  // At the largest size the group is full: a member goes before another comes.
  const removed = await change(
    'remove one',
    () => admin.messenger.removeFromGroup('big', live[2]?.name ?? ''),
    2,
    live.slice(0, 2),
  );
  const added = await change(
    'add one',
    () => admin.messenger.addToGroup('big', [late.name]),
    3,
    live.slice(0, 2),
  );
  const renamed = await change(
    'rename',
    () => admin.messenger.renameGroup('big', 'big'),
    4,
    live.slice(0, 2),
  );
  for (const p of [admin, ...live]) await p.messenger.stop();
  return {
    members: size,
    running: live.length + 1,
    create: created,
    addOne: added,
    removeOne: removed,
    rename: renamed,
  };
}

/**
 * `--baseline REV`: the same large-group change measured with the code of REV (a git revision), in
 * a worktree of its own, in this run: its bench's own `largeGroup` figures for BASELINE_SIZE.
 */
async function baselineBench(rev: string, size: number): Promise<unknown> {
  const { execFileSync, spawnSync } = await import('node:child_process');
  const { existsSync } = await import('node:fs');
  const root = new URL('../..', import.meta.url).pathname;
  const dir = `/tmp/parley-bench-baseline-${rev.replace(/[^0-9A-Za-z]/g, '')}`;
  if (!existsSync(dir)) {
    log(`baseline: a worktree of ${rev} in ${dir}`);
    execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', dir, rev], { stdio: ['ignore', 2, 2] });
  }
  const env = {
    ...process.env,
    PATH: `${dir}/node_modules/.bin:${root}node_modules/.bin:${process.env.PATH}`,
  };
  if (!existsSync(`${dir}/node_modules`))
    execFileSync('pnpm', ['install', '--prefer-offline', '--frozen-lockfile'], {
      cwd: dir,
      env,
      stdio: ['ignore', 2, 2],
    });
  log(`baseline: ${rev}, --large-group ${size}`);
  const run = spawnSync(
    'node',
    ['test/bench/groups.ts', '--groups-only', '--messages', '10', '--large-group', String(size)],
    { cwd: dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return { rev, ...((JSON.parse(line) as { largeGroup: unknown }).largeGroup as object) };
  } catch {
    return { rev, error: `the baseline bench printed no JSON (exit ${run.status})` };
  }
}

const channel = values['groups-only'] || values['large-only'] ? null : await channelBench();
log(`channel: ${JSON.stringify(channel)}`);
const group = values['large-only'] ? null : await groupBench(51);
log(`group: ${JSON.stringify(group)}`);
const groupTopic = values['large-only'] ? null : await groupBench(32);
log(`groupTopic: ${JSON.stringify(groupTopic)}`);
const largeGroup = [];
for (const size of LARGE_GROUPS) largeGroup.push(await largeGroupBench(size));
const baseline = values.baseline ? await baselineBench(values.baseline, BASELINE_SIZE) : null;
process.stdout.write(
  `${JSON.stringify({ node: process.version, channel, group, groupTopic, largeGroup, baseline })}\n`,
);
process.exit(0);
