/**
 * The parties every bench loop uses (bench/run.ts, bench/interleaved.ts): Alice, and Bob's card of
 * the suite asked for (suite 2: with a signed ML-KEM-768 prekey); `start` makes a fresh session
 * pair (Alice's first message, accepted by Bob). A baseline's API (suite 1) has no createKemPrekey.
 */

import type { Primitives, Session } from '../src/index.ts';
import * as crypto from '../src/index.ts';

/**
 * The crypto package's API the parties use: this one, or a baseline revision's (suite 1 only; its
 * module is passed in by `pnpm bench:libsignal --baseline REV`).
 */
export type CryptoApi = typeof crypto;

export type Suite = 1 | 2;

export function benchParties(p: Primitives, suite: Suite, api: CryptoApi = crypto) {
  const {
    acceptSession,
    createContactCard,
    createIdentity,
    createKemPrekey,
    createOneTimePrekeys,
    createSignedPrekey,
    decodeContactCard,
    encrypt,
    initiateSession,
    systemRandom,
  } = api;
  const alice = createIdentity(systemRandom, p);
  const bob = createIdentity(systemRandom, p);
  const spk = createSignedPrekey(bob, 1, Date.now(), systemRandom, p);
  const kpk = suite === 2 ? createKemPrekey(bob, 1, Date.now(), systemRandom, p) : undefined;
  const card = createContactCard(
    bob,
    {
      peerId: 'bob',
      displayName: 'bob',
      addresses: [],
      signedPrekey: spk,
      ...(kpk ? { kemPrekey: kpk.publicKey } : {}),
      issuedAt: 0,
    },
    p,
  );
  const verified = decodeContactCard(card, p);
  const otpks = createOneTimePrekeys(1, 1, systemRandom, p);
  const lookup = {
    signedPrekey: () => spk,
    oneTimePrekey: (id: number) => otpks.find((k) => k.id === id),
    kemPrekey: () => kpk,
  };
  const start = (): [Session, Session] => {
    const first = encrypt(initiateSession(alice, verified, systemRandom, p), new Uint8Array(8), p);
    return [first.session, acceptSession(bob, lookup, first.message, systemRandom, p).session];
  };
  return { start, alice, verified };
}
