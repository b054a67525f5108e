/**
 * `pnpm bench:crypto`: one JSON object on stdout, progress on stderr.
 * Each figure is measured for the noble (pure JS) and the native (node:crypto)
 * backend in the same run; "default" names the backend core uses on Node.
 */
import {
  acceptSession,
  createContactCard,
  createIdentity,
  createOneTimePrekeys,
  createSignedPrekey,
  decodeContactCard,
  decrypt,
  encrypt,
  initiateSession,
  noblePrimitives,
  type Primitives,
  type Session,
  systemRandom,
} from '../src/index.ts';
import { defaultPrimitives, nodePrimitives } from '../src/node/index.ts';

const MESSAGE_BYTES = 1024;
const CHUNK_BYTES = 64 * 1024;

function timed(label: string, minMs: number, step: () => number): number {
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) ops += step();
  const rate = (ops * 1000) / (performance.now() - start);
  process.stderr.write(`  ${label}: ${rate.toFixed(0)}/s\n`);
  return rate;
}

function setup(p: Primitives) {
  const alice = createIdentity(systemRandom, p);
  const bob = createIdentity(systemRandom, p);
  const spk = createSignedPrekey(bob, 1, Date.now(), systemRandom, p);
  const card = createContactCard(
    bob,
    { peerId: 'bob', displayName: 'bob', addresses: [], signedPrekey: spk, issuedAt: 0 },
    p,
  );
  const verified = decodeContactCard(card, p);
  const otpks = createOneTimePrekeys(1, 1, systemRandom, p);
  const lookup = { signedPrekey: () => spk, oneTimePrekey: (id: number) => otpks.find((k) => k.id === id) };
  const start = (): [Session, Session] => {
    const first = encrypt(initiateSession(alice, verified, systemRandom, p), new Uint8Array(8), p);
    return [first.session, acceptSession(bob, lookup, first.message, systemRandom, p).session];
  };
  return { start, alice, verified };
}

function measure(p: Primitives, ms: number) {
  process.stderr.write(`${p.name}\n`);
  const { start, alice, verified } = setup(p);
  const pt = systemRandom(MESSAGE_BYTES);
  let [a, b] = start();
  const oneWayMsgsPerSec = timed('one way 1 KiB', ms, () => {
    for (let i = 0; i < 50; i++) {
      const r = encrypt(a, pt, p);
      a = r.session;
      b = decrypt(b, r.message, systemRandom, p).session;
    }
    return 50;
  });
  let turn = 0;
  const pingPongMsgsPerSec = timed('ping-pong 1 KiB', ms, () => {
    for (let i = 0; i < 10; i++, turn++) {
      const [from, to] = turn % 2 === 0 ? [a, b] : [b, a];
      const r = encrypt(from, pt, p);
      const d = decrypt(to, r.message, systemRandom, p);
      if (turn % 2 === 0) [a, b] = [r.session, d.session];
      else [b, a] = [r.session, d.session];
    }
    return 10;
  });
  const sessionSetupsPerSec = timed('session setup', ms, () => {
    initiateSession(alice, verified, systemRandom, p);
    start();
    return 1;
  });
  const key = systemRandom(32);
  const nonce = new Uint8Array(12);
  const chunk = systemRandom(CHUNK_BYTES);
  const aead64KiBMBps =
    (timed('aead 64 KiB chunks', ms, () => {
      p.aeadSeal(key, nonce, chunk, new Uint8Array(0));
      return 1;
    }) *
      CHUNK_BYTES) /
    1e6;
  const round = (x: number) => Math.round(x);
  return {
    oneWayMsgsPerSec: round(oneWayMsgsPerSec),
    pingPongMsgsPerSec: round(pingPongMsgsPerSec),
    sessionSetupsPerSec: round(sessionSetupsPerSec),
    aead64KiBMBps: round(aead64KiBMBps),
  };
}

/**
 * The reference point, measured in the same run: a bare-bones one-way
 * symmetric ratchet in pure noble (two HMAC-SHA256 per message to step the
 * chain, ChaCha20-Poly1305 over 1 KiB with a 40-byte header as associated
 * data, the same on the receiving side) — no state objects, no limits, no
 * encoding. The issue measured such a sketch at ~19,500 msgs/s and set the
 * target at 15,000 (0.77 of it), so the same-run ratio shows whether the
 * target holds whatever the machine's speed that day.
 */
function nobleSketchOneWay(ms: number): number {
  const p = noblePrimitives;
  const pt = systemRandom(MESSAGE_BYTES);
  const header = systemRandom(40);
  const nonce = new Uint8Array(12);
  let send: Uint8Array = systemRandom(32);
  let recv: Uint8Array = send.slice();
  return timed('reference sketch: noble one way 1 KiB', ms, () => {
    for (let i = 0; i < 50; i++) {
      const mk = p.hmacSha256(send, Uint8Array.of(1));
      send = p.hmacSha256(send, Uint8Array.of(2));
      const sealed = p.aeadSeal(mk, nonce, pt, header);
      const rk = p.hmacSha256(recv, Uint8Array.of(1));
      recv = p.hmacSha256(recv, Uint8Array.of(2));
      p.aeadOpen(rk, nonce, sealed, header);
    }
    return 50;
  });
}

/** Target one-way rate ÷ the sketch rate (15,000 / 19,500). */
const TARGET_VS_SKETCH = 15_000 / 19_500;

const ms = Number(process.env.BENCH_MS ?? 2000);
const sketch = nobleSketchOneWay(ms);
const native = measure(nodePrimitives, ms);
const result = {
  messageBytes: MESSAGE_BYTES,
  noble: measure(noblePrimitives, ms),
  native,
  default: defaultPrimitives() === nodePrimitives ? 'native' : 'noble',
  referenceSketchOneWayMsgsPerSec: Math.round(sketch),
  nativeOneWayVsSketch: Math.round((native.oneWayMsgsPerSec / sketch) * 100) / 100,
  targets: {
    oneWayMsgsPerSec: 15_000,
    pingPongMsgsPerSec: 3_000,
    oneWayVsSketch: Math.round(TARGET_VS_SKETCH * 100) / 100,
  },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
