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

const ms = Number(process.env.BENCH_MS ?? 2000);
const result = {
  messageBytes: MESSAGE_BYTES,
  noble: measure(noblePrimitives, ms),
  native: measure(nodePrimitives, ms),
  default: defaultPrimitives() === nodePrimitives ? 'native' : 'noble',
  targets: { oneWayMsgsPerSec: 15_000, pingPongMsgsPerSec: 3_000 },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
