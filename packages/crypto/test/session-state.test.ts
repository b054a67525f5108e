/**
 * Golden stored sessions (SPEC.md §6.3; test/vectors/README.md): the seeded
 * scenario reproduces every byte, the bytes decode to the published fields
 * (through the code and through a parser written from the SPEC alone), the
 * secrets are the RNG's bytes at the offsets SPEC.md §1.2 names, and the
 * stored states still open the messages they were kept for.
 */
import { readFileSync } from 'node:fs';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { decrypt, deserializeSession, fromHex, serializeSession, toHex } from '../src/index.ts';
import { backends, seededRandom, str } from './helpers.ts';
import {
  type DecodedSession,
  decodeSessionFields,
  runSessionState,
  type SessionStateVectors,
} from './vectors/session-state.ts';

const golden: SessionStateVectors = JSON.parse(
  readFileSync(new URL('./vectors/session-state-v1.json', import.meta.url), 'utf8'),
);

/** SPEC.md §6.3, read field by field without the package's codec. */
function parseSpec(bytes: Uint8Array): DecodedSession {
  let o = 0;
  const take = (n: number) => {
    o += n;
    return bytes.subarray(o - n, o);
  };
  const u = (n: number) => take(n).reduce((v, b) => v * 256 + b, 0);
  const hex = (n: number) => toHex(take(n));
  expect(u(1)).toBe(1);
  const role = u(1) === 1 ? 'initiator' : 'responder';
  const flags = u(1);
  const [ad, ekPub, rk, dhsSecret, dhsPub] = [hex(128), hex(32), hex(32), hex(32), hex(32)];
  const dhr = flags & 1 ? hex(32) : null;
  const cks = flags & 2 ? hex(32) : null;
  const ckr = flags & 4 ? hex(32) : null;
  const [ns, nr, pn] = [u(4), u(4), u(4)];
  const pendingPrekey = flags & 8 ? hex(u(2)) : null;
  const skipped = Array.from({ length: u(1) }, () => {
    const ratchetKey = hex(32);
    return { ratchetKey, keys: Array.from({ length: u(2) }, () => ({ n: u(4), mk: hex(32) })) };
  });
  expect(o).toBe(bytes.length);
  return { role, flags, ad, ekPub, rk, dhsSecret, dhsPub, dhr, cks, ckr, ns, nr, pn, pendingPrekey, skipped };
}

const message = (name: string) => fromHex(golden.messages.find((m) => m.name === name)!.bytes);
const states = Object.entries(golden.states);

describe.each(backends)('session-state-v1 (%s)', (_name, p) => {
  it('re-running the seeded scenario reproduces every byte', () => {
    expect(JSON.parse(JSON.stringify(runSessionState(p)))).toEqual(golden);
  });

  it('the committed messages replay to the committed states', () => {
    const replay = runSessionState(
      p,
      golden.messages.map((m) => m.bytes),
    );
    expect(replay.states).toEqual(golden.states);
  });

  it('the stored states open the messages they kept keys for, each key once', () => {
    let bob = deserializeSession(fromHex(golden.states.responderSkipped.bytes));
    for (const name of ['a0', 'a2', 'a3']) {
      const r = decrypt(bob, message(name), seededRandom('unused'), p);
      expect(str(r.plaintext)).toBe(`alice ${name}`);
      bob = r.session;
    }
    expect(bob.skipped.size).toBe(0);
    expect(serializeSession(bob).at(-1)).toBe(0); // no chain left
    const alice = deserializeSession(fromHex(golden.states.initiatorPending.bytes));
    expect(str(decrypt(alice, message('b0'), seededRandom('unused'), p).plaintext)).toBe('bob b0');
  });
});

describe('session-state-v1: the bytes mean what SPEC.md says', () => {
  it.each(states)('%s decodes (code and SPEC parser) to the published fields and re-encodes', (_n, s) => {
    const bytes = fromHex(s.bytes);
    expect(decodeSessionFields(bytes)).toEqual(s.decoded);
    expect(parseSpec(bytes)).toEqual(s.decoded);
    expect(toHex(serializeSession(deserializeSession(bytes)))).toBe(s.bytes);
  });

  it('the pending prefix is the first message up to DHs_pub; 172 bytes with a one-time prekey', () => {
    const prefix = golden.states.initiatorPending.decoded.pendingPrekey!;
    expect(prefix.length / 2).toBe(172);
    for (const name of ['a0', 'a1', 'a2']) expect(toHex(message(name).subarray(0, 172))).toBe(prefix);
  });

  it('skipped chains in creation order, keys ascending; an emptied chain is deleted', () => {
    const { responderSkipped: before, responderChainDeleted: after } = golden.states;
    const a1 = golden.states.initiatorPending.decoded.dhsPub; // Alice's first ratchet key
    expect(before.decoded.skipped.map((c) => [c.ratchetKey, c.keys.map((k) => k.n)])).toEqual([
      [a1, [0, 2]],
      [before.decoded.dhr, [0]],
    ]);
    expect(after.decoded.skipped).toEqual([before.decoded.skipped[1]]);
  });

  it('secrets are the raw RNG bytes at the offsets of SPEC.md §1.2 (unclamped)', () => {
    const stream = seededRandom(golden.seed)(416);
    const at = (i: number) => stream.subarray(i, i + 32);
    // 0..256: alice, bob (identity 64, signed prekey 32, one-time prekey 32 each)
    expect(golden.identities.alice).toBe(`01${toHex(stream.subarray(0, 64))}`);
    expect(golden.identities.bob).toBe(`01${toHex(stream.subarray(128, 192))}`);
    const pending = golden.states.initiatorPending.decoded;
    expect(pending.ekPub).toBe(toHex(x25519.getPublicKey(at(256)))); // EK, then the first DHs
    expect(pending.dhsSecret).toBe(toHex(at(288)));
    // 320: Bob's DH step in acceptSession; 352: Alice's on b0; 384: Bob's on a4
    expect(golden.states.responderSkipped.decoded.dhsSecret).toBe(toHex(at(384)));
    expect(golden.states.responderSkipped.decoded.dhr).toBe(toHex(x25519.getPublicKey(at(352))));
  });
});
