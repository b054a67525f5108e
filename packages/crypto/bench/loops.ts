/**
 * The measured loops of bench/interleaved.ts and `pnpm bench:libsignal`'s interleaved mode, one
 * step function per figure, each on its own session pair so that the figures do not change each
 * other's state: "one way" stays in the prekey phase (no reply ever), "established" and
 * "ping-pong" run on pairs that have exchanged a reply. Each step returns how many operations it
 * did. The same loops as bench/run.ts (1 KiB messages, batches of 50 / 10 / 1).
 */
import type { Primitives, Session } from '../src/index.ts';
import * as crypto from '../src/index.ts';
import { benchParties, type CryptoApi, type Suite } from './parties.ts';

export const MESSAGE_BYTES = 1024;

export interface Loops {
  /** 50 messages Alice → Bob before any reply: every one a prekey message. */
  readonly oneWayMsgsPerSec: () => number;
  /** 50 messages Alice → Bob on a session that has had a reply (ordinary messages). */
  readonly oneWayEstablishedMsgsPerSec: () => number;
  /** 10 messages, alternating direction: a DH ratchet step on each. */
  readonly pingPongMsgsPerSec: () => number;
  /** One extra initiateSession and a fresh pair (initiate, first message, accept). */
  readonly sessionSetupsPerSec: () => number;
}

/** The loops on `p`, with this package's API or a baseline revision's (`api`, suite 1). */
export function parleyLoops(p: Primitives, suite: Suite, api: CryptoApi = crypto): Loops {
  const { decrypt, encrypt, initiateSession, systemRandom } = api;
  const { start, alice, verified } = benchParties(p, suite, api);
  const pt = systemRandom(MESSAGE_BYTES);
  const send = (from: Session, to: Session): [Session, Session] => {
    const r = encrypt(from, pt, p);
    return [r.session, decrypt(to, r.message, systemRandom, p).session];
  };
  let [oa, ob] = start();
  let [ea, eb] = start();
  [eb, ea] = send(eb, ea); // a reply ends the prekey phase
  let [pa, pb] = start();
  let turn = 0;
  return {
    oneWayMsgsPerSec: () => {
      for (let i = 0; i < 50; i++) [oa, ob] = send(oa, ob);
      return 50;
    },
    oneWayEstablishedMsgsPerSec: () => {
      for (let i = 0; i < 50; i++) [ea, eb] = send(ea, eb);
      return 50;
    },
    pingPongMsgsPerSec: () => {
      for (let i = 0; i < 10; i++, turn++) {
        if (turn % 2 === 0) [pa, pb] = send(pa, pb);
        else [pb, pa] = send(pb, pa);
      }
      return 10;
    },
    sessionSetupsPerSec: () => {
      initiateSession(alice, verified, systemRandom, p);
      start();
      return 1;
    },
  };
}
