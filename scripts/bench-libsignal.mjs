/**
 * `pnpm bench:libsignal`: Parley's `bench:crypto` side by side with libsignal-client 0.103
 * (issue #21's comparison). libsignal is not a dependency of the repo (over 100 MB of prebuilt
 * binaries): it is installed once with npm into a cache directory outside the repo
 * (`$LIBSIGNAL_BENCH_DIR`, default `${XDG_CACHE_HOME:-~/.cache}/parley-bench/libsignal`).
 *
 * `pnpm bench:libsignal [--baseline REV|none]` measures in two ways, one JSON object on stdout
 * (progress on stderr), each figure with its suite and whether it is post-quantum:
 * - interleaved (first; ROUNDS, WINDOW_MS): Parley's suite 1 and suite 2, the suite 1 of a baseline
 *   revision (default bf0b028, the classical code issue #21 was filed against: "today's classical
 *   setup rate") and libsignal, in two warm child processes taking turns in short windows, every
 *   figure on a session pair of its own (packages/crypto/bench/loops.ts and libsignalLoops below).
 *   Ratios per round of adjacent windows, medians over rounds: the steadiest comparison on a
 *   shared machine, and the one the targets are read from;
 * - pairs (PAIRS times, default 3; 0 skips them): `pnpm -s bench:crypto`, then a libsignal child
 *   process running the same loops one after the other on one session pair, as bench/run.ts does
 *   (BENCH_MS windows, default 2000 ms); ratio per pair, median over pairs — the issue's method.
 *   libsignal's ping-pong there runs on a pair that has just sent thousands of prekey messages;
 *   measured on 2026-12-07, libsignal's ping-pong came out at 2,977–3,529 msgs/s this way and
 *   3,958–5,147 in the interleaved mode (where its prekey-phase one-way fell from 6,908 to 2,592
 *   over the run as that chain grew), so this mode flatters Parley's ping-pong ratio.
 *
 * The libsignal loops, mirroring Parley's:
 * - parties: Alice and Bob with libsignal's identity keys; Bob's bundle carries a signed X25519
 *   prekey and a signed ML-KEM-768 (Kyber) prekey (PQXDH) and no one-time prekey (Parley's card
 *   carries none either); `start()` = fresh session stores, processPreKeyBundle, signalEncrypt of
 *   8 bytes, signalDecryptPreKey.
 * - one way: 50 × (Alice encrypts 1 KiB, serializes; Bob deserializes and decrypts) per batch;
 *   before any reply every message is a PreKeySignalMessage, as in Parley.
 * - ping-pong: 10 alternating messages per batch, each a DH ratchet step (and libsignal's SPQR).
 * - one way, established: after a reply (ordinary SignalMessages).
 * - session setup: one extra processPreKeyBundle into a throw-away store (Parley's loop calls
 *   initiateSession once more than start() needs) + start(); the minimal form is reported too.
 * The whole measurement runs once untimed first (warm-up): pairs mode after a full untimed pass,
 * interleaved mode after an untimed round.
 * Session records are stored as libsignal's objects (its cheapest store); LIBSIGNAL_SERIALIZED_SESSIONS=1
 * stores them serialized instead, as libsignal's own TestStores and a persisting app do.
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SPEC = '@signalapp/libsignal-client@~0.103.0';
const MESSAGE_BYTES = 1024;
/** The suite-1 code issue #21 was filed against: the parent of its first suite-2 commit (78b4d46). */
const DEFAULT_BASELINE = 'bf0b028';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir =
  process.env.LIBSIGNAL_BENCH_DIR ??
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parley-bench', 'libsignal');
const pkgDir = (dir) => join(dir, 'node_modules', '@signalapp', 'libsignal-client');
const log = (s) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------- child: libsignal measurement

async function child(dir, mode, baselineDir) {
  if (mode === 'serve-parley') {
    serve(await parleyContenders(baselineDir), undefined);
    return;
  }
  const L = await import(pathToFileURL(join(pkgDir(dir), 'dist', 'index.js')).href);
  const version = JSON.parse(readFileSync(join(pkgDir(dir), 'package.json'), 'utf8')).version;
  const { randomBytes } = await import('node:crypto');

  // In-memory stores holding libsignal's objects as they are (no serialization round trip per
  // call, unlike libsignal's own TestStores): the cheapest stores its API allows.
  const key = (a) => `${a.name()}.${a.deviceId()}`;
  // LIBSIGNAL_SERIALIZED_SESSIONS=1: keep session records serialized, as libsignal's TestStores
  // and a persisting app do (a serialize on every save, a deserialize on every load).
  const serialized = process.env.LIBSIGNAL_SERIALIZED_SESSIONS === '1';
  const toStore = serialized ? (r) => r.serialize() : (r) => r;
  const fromStore = serialized ? (b) => L.SessionRecord.deserialize(b) : (r) => r;
  class Sessions extends L.SessionStore {
    m = new Map();
    async saveSession(a, r) {
      this.m.set(key(a), toStore(r));
    }
    async getSession(a) {
      const r = this.m.get(key(a));
      return r ? fromStore(r) : null;
    }
    async getExistingSessions(as) {
      return as.map((a) => fromStore(this.m.get(key(a))));
    }
  }
  class Identities extends L.IdentityKeyStore {
    m = new Map();
    constructor(priv, regId) {
      super();
      this.priv = priv;
      this.regId = regId;
    }
    async getIdentityKey() {
      return this.priv;
    }
    async getLocalRegistrationId() {
      return this.regId;
    }
    async saveIdentity(a, k) {
      const old = this.m.get(key(a));
      this.m.set(key(a), k);
      return old && !old.equals(k) ? L.IdentityChange.ReplacedExisting : L.IdentityChange.NewOrUnchanged;
    }
    async isTrustedIdentity(a, k) {
      const old = this.m.get(key(a));
      return !old || old.equals(k);
    }
    async getIdentity(a) {
      return this.m.get(key(a)) ?? null;
    }
  }
  class PreKeys extends L.PreKeyStore {
    m = new Map();
    async savePreKey(id, r) {
      this.m.set(id, r);
    }
    async getPreKey(id) {
      const r = this.m.get(id);
      if (!r) throw new Error(`prekey ${id} not found`);
      return r;
    }
    async removePreKey(id) {
      this.m.delete(id);
    }
  }
  class SignedPreKeys extends L.SignedPreKeyStore {
    m = new Map();
    async saveSignedPreKey(id, r) {
      this.m.set(id, r);
    }
    async getSignedPreKey(id) {
      return this.m.get(id);
    }
  }
  class KyberPreKeys extends L.KyberPreKeyStore {
    m = new Map();
    async saveKyberPreKey(id, r) {
      this.m.set(id, r);
    }
    async getKyberPreKey(id) {
      return this.m.get(id);
    }
    // A last-resort Kyber prekey: kept after use (like Parley's signed KEM prekey).
    async markKyberPreKeyUsed() {}
  }

  function parties() {
    const aliceAddr = L.ProtocolAddress.new('alice', 1);
    const bobAddr = L.ProtocolAddress.new('bob', 1);
    const aliceId = L.IdentityKeyPair.generate();
    const bobId = L.IdentityKeyPair.generate();
    const aliceIdentity = new Identities(aliceId.privateKey, 1111);
    const bobIdentity = new Identities(bobId.privateKey, 2222);
    const spkPriv = L.PrivateKey.generate();
    const spkPub = spkPriv.getPublicKey();
    const spkSig = bobId.privateKey.sign(spkPub.serialize());
    const kyber = L.KEMKeyPair.generate();
    const kyberSig = bobId.privateKey.sign(kyber.getPublicKey().serialize());
    const signed = new SignedPreKeys();
    signed.m.set(1, L.SignedPreKeyRecord.new(1, Date.now(), spkPub, spkPriv, spkSig));
    const kyberStore = new KyberPreKeys();
    kyberStore.m.set(1, L.KyberPreKeyRecord.new(1, Date.now(), kyber, kyberSig));
    const prekeys = new PreKeys();
    const bundle = L.PreKeyBundle.new(
      2222,
      1,
      null,
      null,
      1,
      spkPub,
      spkSig,
      bobId.publicKey,
      1,
      kyber.getPublicKey(),
      kyberSig,
    );
    const side = (addr, peer, identity, sessions) => ({ addr, peer, identity, sessions });
    const start = async () => {
      const a = side(aliceAddr, bobAddr, aliceIdentity, new Sessions());
      const b = side(bobAddr, aliceAddr, bobIdentity, new Sessions());
      await L.processPreKeyBundle(bundle, bobAddr, aliceAddr, a.sessions, aliceIdentity);
      const first = await encrypt(a, new Uint8Array(8));
      await decrypt(b, first);
      return [a, b];
    };
    const extraInitiate = () =>
      L.processPreKeyBundle(bundle, bobAddr, aliceAddr, new Sessions(), aliceIdentity);
    const encrypt = async (from, pt) => {
      const m = await L.signalEncrypt(pt, from.peer, from.addr, from.sessions, from.identity);
      return { type: m.type(), bytes: m.serialize() };
    };
    const decrypt = (to, msg) =>
      msg.type === L.CiphertextMessageType.PreKey
        ? L.signalDecryptPreKey(
            L.PreKeySignalMessage.deserialize(msg.bytes),
            to.peer,
            to.addr,
            to.sessions,
            to.identity,
            prekeys,
            signed,
            kyberStore,
          )
        : L.signalDecrypt(L.SignalMessage.deserialize(msg.bytes), to.peer, to.addr, to.sessions, to.identity);
    return { start, extraInitiate, encrypt, decrypt };
  }

  async function timed(label, minMs, step) {
    let ops = 0;
    const start = performance.now();
    while (performance.now() - start < minMs) ops += await step();
    const rate = (ops * 1000) / (performance.now() - start);
    log(`  ${label}: ${rate.toFixed(0)}/s`);
    return rate;
  }

  async function measure(ms, label) {
    log(`libsignal ${version}${label}`);
    const { start, extraInitiate, encrypt, decrypt } = parties();
    const pt = new Uint8Array(randomBytes(MESSAGE_BYTES));
    const [a, b] = await start();
    const oneWay = await timed('one way 1 KiB', ms, async () => {
      for (let i = 0; i < 50; i++) await decrypt(b, await encrypt(a, pt));
      return 50;
    });
    let turn = 0;
    const pingPong = await timed('ping-pong 1 KiB', ms, async () => {
      for (let i = 0; i < 10; i++, turn++) {
        const [from, to] = turn % 2 === 0 ? [a, b] : [b, a];
        await decrypt(to, await encrypt(from, pt));
      }
      return 10;
    });
    const oneWayEstablished = await timed('one way 1 KiB, established session', ms, async () => {
      for (let i = 0; i < 50; i++) await decrypt(b, await encrypt(a, pt));
      return 50;
    });
    const setups = await timed('session setup', ms, async () => {
      await extraInitiate();
      await start();
      return 1;
    });
    const setupsMinimal = await timed('session setup (minimal: bundle + first message)', ms, async () => {
      await start();
      return 1;
    });
    const round = Math.round;
    return {
      suite: 'libsignal PQXDH + double ratchet + SPQR',
      sessionStore: serialized ? 'serialized records' : 'record objects',
      pq: true,
      oneWayMsgsPerSec: round(oneWay),
      oneWayEstablishedMsgsPerSec: round(oneWayEstablished),
      pingPongMsgsPerSec: round(pingPong),
      sessionSetupsPerSec: round(setups),
      sessionSetupsMinimalPerSec: round(setupsMinimal),
    };
  }

  /** Untimed look at the wire: message sizes and whether SignalMessages carry SPQR data. */
  async function probe() {
    const { start, encrypt, decrypt } = parties();
    const pt = new Uint8Array(MESSAGE_BYTES);
    const [a, b] = await start();
    const prekeyMsg = await encrypt(a, pt);
    await decrypt(b, prekeyMsg);
    const pq = [];
    const sizes = [];
    for (let turn = 0; turn < 12; turn++) {
      const [from, to] = turn % 2 === 0 ? [b, a] : [a, b];
      const m = await encrypt(from, pt);
      const sm = m.type === L.CiphertextMessageType.PreKey ? null : L.SignalMessage.deserialize(m.bytes);
      pq.push(sm ? sm.pqRatchet().length : -1);
      sizes.push(m.bytes.length);
      await decrypt(to, m);
    }
    return {
      prekeyMessageBytes: prekeyMsg.bytes.length,
      pingPongMessageBytes: sizes,
      pingPongPqRatchetFieldBytes: pq,
      spqrInPingPong: pq.some((n) => n > 0),
    };
  }

  /** The interleaved mode's loops: one session pair per figure, as packages/crypto/bench/loops.ts. */
  async function libsignalLoops() {
    const { start, extraInitiate, encrypt, decrypt } = parties();
    const pt = new Uint8Array(randomBytes(MESSAGE_BYTES));
    const [oa, ob] = await start();
    const [ea, eb] = await start();
    await decrypt(ea, await encrypt(eb, pt)); // a reply ends the prekey phase
    const [pa, pb] = await start();
    let turn = 0;
    return {
      oneWayMsgsPerSec: async () => {
        for (let i = 0; i < 50; i++) await decrypt(ob, await encrypt(oa, pt));
        return 50;
      },
      oneWayEstablishedMsgsPerSec: async () => {
        for (let i = 0; i < 50; i++) await decrypt(eb, await encrypt(ea, pt));
        return 50;
      },
      pingPongMsgsPerSec: async () => {
        for (let i = 0; i < 10; i++, turn++) {
          if (turn % 2 === 0) await decrypt(pb, await encrypt(pa, pt));
          else await decrypt(pa, await encrypt(pb, pt));
        }
        return 10;
      },
      sessionSetupsPerSec: async () => {
        await extraInitiate();
        await start();
        return 1;
      },
    };
  }

  if (mode === 'serve') {
    serve({ libsignal: await libsignalLoops() }, version);
    return;
  }

  const ms = Number(process.env.BENCH_MS ?? 2000);
  const wire = await probe();
  await measure(ms, ' (warm-up, discarded)');
  const result = await measure(ms, '');
  process.stdout.write(`${JSON.stringify({ version, messageBytes: MESSAGE_BYTES, ...result, wire })}\n`);
}

/**
 * Parley's contenders: suite 1, suite 2 and, given its directory, the baseline revision's suite 1
 * (and its suite 2, if it has one: `--baseline` an earlier suite-2 commit shows what a change gained).
 */
async function parleyContenders(baselineDir) {
  const from = (root, rel) => import(pathToFileURL(join(root, 'packages', 'crypto', rel)).href);
  const { parleyLoops } = await from(repoRoot, 'bench/loops.ts');
  const { nodePrimitives, wasmAeadReady } = await from(repoRoot, 'src/node/index.ts');
  await wasmAeadReady?.(); // the AEAD in WebAssembly, as a long-running daemon has it
  const contenders = { suite1: parleyLoops(nodePrimitives, 1), suite2: parleyLoops(nodePrimitives, 2) };
  if (baselineDir) {
    const api = await from(baselineDir, 'src/index.ts');
    const node = await from(baselineDir, 'src/node/index.ts');
    await node.wasmAeadReady?.();
    contenders.baselineSuite1 = parleyLoops(node.nodePrimitives, 1, api);
    if (api.createKemPrekey) contenders.baselineSuite2 = parleyLoops(node.nodePrimitives, 2, api);
  }
  return contenders;
}

/**
 * A child of the interleaved mode: runs one timed window of a contender's loop whenever the parent
 * asks ({ name, figure, windowMs } over IPC) and answers with the rate; idle in between.
 */
function serve(contenders, version) {
  process.on('message', async ({ name, figure, windowMs }) => {
    const step = contenders[name][figure];
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < windowMs) n += await step();
    process.send({ rate: (n * 1000) / (performance.now() - t0) });
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: Object.keys(contenders), version });
}

// ---------------------------------------------------------------- parent: install, alternate, compare

function installed(dir) {
  const p = join(pkgDir(dir), 'package.json');
  if (!existsSync(p)) return undefined;
  const v = JSON.parse(readFileSync(p, 'utf8')).version;
  return v.startsWith('0.103.') ? v : undefined;
}

function ensureLibsignal() {
  const have = installed(cacheDir);
  if (have) {
    log(`libsignal-client ${have} found in ${cacheDir}`);
    return have;
  }
  mkdirSync(cacheDir, { recursive: true });
  log(`installing ${SPEC} into ${cacheDir} (npm, prebuilt binaries; over 100 MB)…`);
  const r = spawnSync(
    'npm',
    ['install', '--prefix', cacheDir, '--no-save', '--no-audit', '--no-fund', SPEC],
    {
      stdio: ['ignore', 2, 'inherit'], // npm's output goes to stderr: stdout carries only the JSON
    },
  );
  if (r.error) throw new Error(`npm could not be started: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`npm install ${SPEC} exited with ${r.status}`);
  const v = installed(cacheDir);
  if (!v) throw new Error(`npm install finished but no 0.103.x package is at ${pkgDir(cacheDir)}`);
  log(`installed libsignal-client ${v}`);
  return v;
}

function lastJson(stdout, what) {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) throw new Error(`${what} printed no JSON`);
  return JSON.parse(line);
}

function runParley() {
  const r = spawnSync('pnpm', ['-s', 'bench:crypto'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`pnpm -s bench:crypto exited with ${r.status ?? r.error?.message}`);
  return lastJson(r.stdout, 'bench:crypto');
}

function runChild(mode) {
  // Same node binary and flags as this process (bench:crypto is `node bench/run.ts`, no flags).
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', cacheDir, mode],
    { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`libsignal child exited with ${r.status ?? r.error?.message}`);
  return lastJson(r.stdout, 'libsignal child');
}

/**
 * The crypto package of a baseline revision (default: the suite-1 code issue #21 was filed against),
 * extracted with `git archive` into a temporary directory, its dependencies ours (the same
 * versions, checked; ours may have more): the interleaved mode measures its suite-1 loops in the same process.
 */
function prepareBaseline(rev) {
  const git = (...args) => execFileSync('git', ['-C', repoRoot, ...args], { maxBuffer: 256 * 1024 * 1024 });
  const sha = git('rev-parse', '--verify', `${rev}^{commit}`).toString().trim();
  const dir = join(tmpdir(), `parley-bench-baseline-crypto-${sha.slice(0, 12)}`);
  const pkg = join(dir, 'packages', 'crypto');
  if (!existsSync(join(pkg, 'src', 'index.ts'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('tar', ['-x', '-C', dir], { input: git('archive', sha, 'packages/crypto') });
  }
  const deps = (root) => JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies ?? {};
  const ours = join(repoRoot, 'packages', 'crypto');
  const [theirs, mine] = [deps(pkg), deps(ours)];
  // Every dependency of the baseline must be ours at the same version (ours may have more).
  if (Object.entries(theirs).some(([name, version]) => mine[name] !== version))
    throw new Error(`the crypto package of ${rev} has other dependencies than ours: it cannot run on ours`);
  if (!existsSync(join(pkg, 'node_modules')))
    symlinkSync(join(ours, 'node_modules'), join(pkg, 'node_modules'));
  return { rev, commit: sha, dir };
}

/** A serving child (see serve()): `window(name, figure, ms)` resolves to that window's rate. */
async function server(mode, baselineDir = '') {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', cacheDir, mode, baselineDir], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise((res, rej) => {
      const onExit = (code) => rej(new Error(`bench child (${mode}) exited with ${code}`));
      proc.once('exit', onExit);
      proc.once('message', (m) => {
        proc.off('exit', onExit);
        res(m);
      });
    });
  const ready = await next();
  return {
    names: ready.ready,
    version: ready.version,
    window: async (name, figure, windowMs) => {
      proc.send({ name, figure, windowMs });
      return (await next()).rate;
    },
    close: () => proc.disconnect(),
  };
}

/**
 * The interleaved mode: Parley (suite 1, suite 2 and the baseline revision's suite 1, if any) in
 * one child process and libsignal in another, both kept warm, each figure measured in alternating
 * windows of WINDOW_MS (default 300 ms), ROUNDS times (default 10) after one untimed round, the
 * order of the contenders rotating each round; only one child runs at a time. A ratio is taken per
 * round between adjacent windows, so a burst of someone else's load on this shared machine hits
 * both sides of it; the JSON gives the median of those ratios, each contender's median and best
 * window, and every window. (libsignal in Parley's own process would share its heap: its native
 * objects' finalizers and GC then land in Parley's windows.)
 */
async function interleaved(baselineDir) {
  const parley = await server('serve-parley', baselineDir);
  const libsignal = await server('serve');
  const owner = Object.fromEntries([...parley.names.map((n) => [n, parley]), ['libsignal', libsignal]]);
  const names = Object.keys(owner);
  const windowMs = Number(process.env.WINDOW_MS ?? 300);
  const rounds = Math.max(1, Number(process.env.ROUNDS ?? 10));
  const rates = Object.fromEntries(
    names.map((n) => [n, Object.fromEntries(Object.values(FIGURES).map((f) => [f, []]))]),
  );
  try {
    for (let round = -1; round < rounds; round++) {
      log(round < 0 ? '  warm-up round (discarded)' : `  round ${round + 1}/${rounds}`);
      for (const f of Object.values(FIGURES)) {
        for (let i = 0; i < names.length; i++) {
          const name = names[(i + Math.max(0, round)) % names.length];
          const rate = await owner[name].window(name, f, windowMs);
          if (round >= 0) rates[name][f].push(rate);
        }
      }
    }
  } finally {
    parley.close();
    libsignal.close();
  }
  const perRound = (a, b, f) => median(rates[a][f].map((x, i) => x / rates[b][f][i]));
  const ratios = (a, b) =>
    Object.fromEntries(
      Object.entries(FIGURES).map(([k, f]) => [k, Math.round(perRound(a, b, f) * 100) / 100]),
    );
  const summary = (pick) =>
    Object.fromEntries(
      names.map((n) => [
        n,
        Object.fromEntries(Object.values(FIGURES).map((f) => [f, Math.round(pick(rates[n][f]))])),
      ]),
    );
  return {
    mode: 'interleaved',
    libsignalVersion: libsignal.version,
    rounds,
    windowMs,
    medianWindow: summary(median),
    bestWindow: summary((xs) => Math.max(...xs)),
    windows: Object.fromEntries(
      names.map((n) => [
        n,
        Object.fromEntries(Object.values(FIGURES).map((f) => [f, rates[n][f].map((x) => Math.round(x))])),
      ]),
    ),
    ratios: {
      suite2VsLibsignal: ratios('suite2', 'libsignal'),
      suite1VsLibsignal: ratios('suite1', 'libsignal'),
      suite2VsSuite1: ratios('suite2', 'suite1'),
      ...(baselineDir ? { suite2VsBaselineSuite1: ratios('suite2', 'baselineSuite1') } : {}),
      ...(names.includes('baselineSuite2')
        ? { suite2VsBaselineSuite2: ratios('suite2', 'baselineSuite2') }
        : {}),
    },
  };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ratio = (x, y) => Math.round((x / y) * 100) / 100;
const FIGURES = {
  oneWay: 'oneWayMsgsPerSec',
  oneWayEstablished: 'oneWayEstablishedMsgsPerSec',
  pingPong: 'pingPongMsgsPerSec',
  sessionSetup: 'sessionSetupsPerSec',
};

async function parent() {
  let version;
  try {
    version = ensureLibsignal();
  } catch (e) {
    log(`libsignal install failed: ${e.message}`);
    process.stdout.write(`${JSON.stringify({ error: `libsignal install failed: ${e.message}` })}\n`);
    process.exit(1);
  }
  const at = process.argv.indexOf('--baseline');
  const rev = at > 0 ? process.argv[at + 1] : DEFAULT_BASELINE;
  if (!rev) throw new Error('--baseline needs a git revision (or "none")');
  const baseline = rev === 'none' ? undefined : prepareBaseline(rev);
  log(`\n=== interleaved: Parley suite 1, suite 2${baseline ? `, suite 1 of ${rev}` : ''} and libsignal ===`);
  const inter = await interleaved(baseline?.dir);
  const pairs = Math.max(0, Number(process.env.PAIRS ?? 3));
  const results = [];
  for (let i = 0; i < pairs; i++) {
    log(`\n=== pair ${i + 1}/${pairs}: pnpm -s bench:crypto ===`);
    const parley = runParley();
    log(`=== pair ${i + 1}/${pairs}: libsignal ===`);
    const libsignal = runChild('pairs');
    const pick = (o) => Object.fromEntries(Object.values(FIGURES).map((f) => [f, o[f]]));
    const ratios = (o) =>
      Object.fromEntries(Object.entries(FIGURES).map(([k, f]) => [k, ratio(o[f], libsignal[f])]));
    results.push({
      parleySuite2: { suite: 2, pq: true, ...pick(parley.nativeSuite2) },
      parleySuite1: { suite: 1, pq: false, ...pick(parley.native) },
      parleySuite2VsSuite1: parley.nativeSuite2VsSuite1,
      libsignal: {
        oneWayMsgsPerSec: libsignal.oneWayMsgsPerSec,
        oneWayEstablishedMsgsPerSec: libsignal.oneWayEstablishedMsgsPerSec,
        pingPongMsgsPerSec: libsignal.pingPongMsgsPerSec,
        sessionSetupsPerSec: libsignal.sessionSetupsPerSec,
        sessionSetupsMinimalPerSec: libsignal.sessionSetupsMinimalPerSec,
        sessionStore: libsignal.sessionStore,
      },
      ratioSuite2: ratios(parley.nativeSuite2),
      ratioSuite1: ratios(parley.native),
      wire: libsignal.wire,
    });
  }
  const med = (get) => Math.round(median(results.map(get)) * 100) / 100;
  const medians =
    pairs === 0
      ? undefined
      : {
          ratioSuite2: Object.fromEntries(Object.keys(FIGURES).map((k) => [k, med((r) => r.ratioSuite2[k])])),
          ratioSuite1: Object.fromEntries(Object.keys(FIGURES).map((k) => [k, med((r) => r.ratioSuite1[k])])),
          parleySuite2: Object.fromEntries(
            Object.values(FIGURES).map((f) => [f, med((r) => r.parleySuite2[f])]),
          ),
          parleySuite1: Object.fromEntries(
            Object.values(FIGURES).map((f) => [f, med((r) => r.parleySuite1[f])]),
          ),
          libsignal: Object.fromEntries(
            [...Object.values(FIGURES), 'sessionSetupsMinimalPerSec'].map((f) => [
              f,
              med((r) => r.libsignal[f]),
            ]),
          ),
          parleySuite2VsSuite1SessionSetup: med((r) => r.parleySuite2VsSuite1.sessionSetup),
        };
  const target = (value, min) => ({ min, value, pass: value >= min });
  const r = inter.ratios;
  process.stdout.write(
    `${JSON.stringify({
      messageBytes: MESSAGE_BYTES,
      versions: { node: process.version, libsignal: version },
      baseline: baseline ? { rev: baseline.rev, commit: baseline.commit } : null,
      interleaved: inter,
      pairs: medians
        ? {
            benchMs: Number(process.env.BENCH_MS ?? 2000),
            count: pairs,
            raw: results.map(({ wire: _w, ...x }) => x),
            medians,
            libsignalSpqrInPingPong: results[0].wire.spqrInPingPong,
            libsignalSessionStore: results[0].libsignal.sessionStore,
            libsignalWire: results[0].wire,
          }
        : null,
      targets: {
        interleaved: {
          oneWaySuite2VsLibsignal: target(r.suite2VsLibsignal.oneWay, 8),
          pingPongSuite2VsLibsignal: target(r.suite2VsLibsignal.pingPong, 1.5),
          sessionSetupSuite2VsSuite1: target(r.suite2VsSuite1.sessionSetup, 0.9),
          ...(r.suite2VsBaselineSuite1
            ? { sessionSetupSuite2VsBaselineSuite1: target(r.suite2VsBaselineSuite1.sessionSetup, 0.9) }
            : {}),
        },
        pairs: medians
          ? {
              oneWaySuite2VsLibsignal: target(medians.ratioSuite2.oneWay, 8),
              pingPongSuite2VsLibsignal: target(medians.ratioSuite2.pingPong, 1.5),
              sessionSetupSuite2VsSuite1: target(medians.parleySuite2VsSuite1SessionSetup, 0.9),
            }
          : null,
      },
    })}\n`,
  );
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5]);
else await parent();
