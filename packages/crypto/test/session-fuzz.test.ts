/**
 * Session fuzzing (libsignal practice): random sends, deliveries in any
 * order, drops, duplicates, and persist/reload of either side's state. Both
 * sides must keep agreeing and every surviving message decrypts exactly once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  acceptSession,
  DecryptError,
  decrypt,
  deserializeSession,
  encrypt,
  initiateSession,
  type Session,
  serializeSession,
} from '../src/index.ts';
import { nodePrimitives as p } from '../src/node/index.ts';
import { assertProperty } from './corpus.ts';
import {
  lookup,
  makeParty,
  makePqParty,
  pqLookup,
  seededRandom,
  str,
  text,
  verifiedCard,
} from './helpers.ts';

type Side = 0 | 1;
type Action =
  | { readonly t: 'send'; readonly from: Side }
  | { readonly t: 'deliver'; readonly pick: number }
  | { readonly t: 'duplicate'; readonly pick: number }
  | { readonly t: 'drop'; readonly pick: number }
  | { readonly t: 'reload'; readonly side: Side };

const side = fc.constantFrom<Side>(0, 1);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: side.map((from) => ({ t: 'send', from }) as const) },
  { weight: 4, arbitrary: fc.nat().map((pick) => ({ t: 'deliver', pick }) as const) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ t: 'duplicate', pick }) as const) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ t: 'drop', pick }) as const) },
  { weight: 1, arbitrary: side.map((s) => ({ t: 'reload', side: s }) as const) },
);

/** At most this many drops per run keeps old chains below MAX_OLD_RECEIVING_CHAINS. */
const MAX_DROPS = 4;

interface Flight {
  readonly to: Side;
  readonly bytes: Uint8Array;
  readonly text: string;
}

function run(seed: number, actions: readonly Action[], suite: 1 | 2 = 1): void {
  const rnd = seededRandom(`fuzz-${seed}`);
  const alice = makeParty('alice', rnd, p, 1);
  const pqBob = suite === 2 ? makePqParty('bob', rnd, p, 1, 1) : undefined;
  const bob = pqBob ?? makeParty('bob', rnd, p, 1);
  const first = encrypt(initiateSession(alice.identity, verifiedCard(bob, p), rnd, p), text('hello'), p);
  const prekeys = pqBob ? pqLookup(pqBob) : lookup(bob);
  const acc = acceptSession(bob.identity, prekeys, first.message, rnd, p);
  expect(acc.suite).toBe(suite);
  const s: [Session, Session] = [first.session, acc.session];
  const inFlight: Flight[] = [];
  const delivered: Flight[] = [];
  let drops = 0;
  let counter = 0;
  const deliver = (f: Flight) => {
    const r = decrypt(s[f.to], f.bytes, rnd, p);
    expect(str(r.plaintext)).toBe(f.text);
    s[f.to] = r.session;
    delivered.push(f);
  };
  for (const a of actions) {
    if (a.t === 'send') {
      const body = `m${counter++}`;
      const r = encrypt(s[a.from], text(body), p);
      s[a.from] = r.session;
      inFlight.push({ to: a.from === 0 ? 1 : 0, bytes: r.message, text: body });
    } else if (a.t === 'deliver' && inFlight.length > 0) {
      deliver(inFlight.splice(a.pick % inFlight.length, 1)[0]!);
    } else if (a.t === 'drop' && inFlight.length > 0 && drops < MAX_DROPS) {
      inFlight.splice(a.pick % inFlight.length, 1);
      drops++;
    } else if (a.t === 'duplicate' && delivered.length > 0) {
      const f = delivered[a.pick % delivered.length]!;
      const before = s[f.to];
      expect(() => decrypt(before, f.bytes, rnd, p)).toThrow(DecryptError);
      expect(s[f.to]).toBe(before);
    } else if (a.t === 'reload') {
      s[a.side] = deserializeSession(serializeSession(s[a.side]));
    }
  }
  for (const f of inFlight.splice(0)) deliver(f);
  // Both sides still agree in both directions.
  for (const from of [0, 1, 0] as const) {
    const r = encrypt(s[from], text('final'), p);
    s[from] = r.session;
    deliver({ to: from === 0 ? 1 : 0, bytes: r.message, text: 'final' });
  }
}

describe('session fuzz (node backend)', () => {
  it('1,000 random schedules: drops, reorders, duplicates, persist/reload', () => {
    assertProperty(
      'session-fuzz',
      fc.property(fc.nat(), fc.array(action, { maxLength: 24 }), (seed, actions) => run(seed, actions)),
      1000,
    );
  }, 60_000);

  it('suite 2 (PQ ratchet steps, kind-3 chains): 150 random schedules, longer, with reloads', () => {
    const schedule = fc.array(action, { maxLength: 48 });
    const property = fc.property(fc.nat(), schedule, (seed, actions) => run(seed, actions, 2));
    assertProperty('session-fuzz-pq', property, 150);
  }, 120_000);
});
