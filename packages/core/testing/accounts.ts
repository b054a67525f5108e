/**
 * Test accounts: protected by a random key file (no scrypt: milliseconds, not a second), with a
 * placeholder PeerId key; for tests and benchmarks that run messengers without a real node.
 */
import { type Primitives, systemRandom } from '@parley/crypto';
import { type Account, createAccount } from '../src/account/account.ts';
import type { Store } from '../src/ports/store.ts';

/** The PeerId a test peer called `name` has on the memory network. */
export const testPeerId = (name: string): string => `12D3KooW${name}`;

/** The account of test peer `name` (PeerId {@link testPeerId}). */
export function createTestAccount(store: Store, name: string, primitives: Primitives): Promise<Account> {
  return createAccount(store, {
    name,
    secret: { keyFile: systemRandom(32) },
    peerId: testPeerId(name),
    peerKey: Uint8Array.of(1, 2, 3),
    primitives,
    random: systemRandom,
    now: Date.now(),
  });
}
