/**
 * Renaming yourself (account/account.ts `renameAccount`, issue 20): every holder of the account
 * sees the new name at once, it is stored, and it is checked like a new account's name; a device
 * linked to an account made elsewhere is refused; the messenger's renameSelf tells every contact.
 */
import { decodeContactCard } from '@parley/crypto';
import { nodePrimitives } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { openAccount, readInfo, renameAccount, writeInfo } from '../src/account/account.ts';
import { CoreError } from '../src/base/errors.ts';
import { createMemoryStore } from '../src/testing/memory-store.ts';
import { createMemoryNetwork } from '../src/testing/memory-transport.ts';
import { createTestAccount } from '../testing/accounts.ts';
import { befriend, eventually, makePeer } from './harness.ts';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof CoreError ? e.code : String(e);
  }
};

describe('renameAccount', () => {
  it('changes the name every holder reads, and stores it', async () => {
    const store = createMemoryStore();
    const account = await createTestAccount(store, 'Ada', nodePrimitives);
    const held = { account }; // as the messenger's context holds it
    const info = renameAccount(store, account, '  Ada Lovelace ');
    expect(info.name).toBe('Ada Lovelace');
    expect(held.account.info.name).toBe('Ada Lovelace');
    expect(held.account.info.peerId).toBe(info.peerId);
    expect(store.transaction((tx) => readInfo(tx))?.name).toBe('Ada Lovelace');
    expect(openAccount(store, account.vault, nodePrimitives).info.name).toBe('Ada Lovelace');
    expect(String(account)).toBe('[redacted]');
  });

  it('refuses a bad name and a linked device, and changes nothing', async () => {
    const store = createMemoryStore();
    const account = await createTestAccount(store, 'Ada', nodePrimitives);
    for (const bad of ['', '   ', 'x'.repeat(65), 'a\u0007b'])
      expect(codeOf(() => renameAccount(store, account, bad))).toBe('bad-name');
    expect(account.info.name).toBe('Ada');

    const info = store.transaction((tx) => readInfo(tx));
    if (!info) throw new Error('no account');
    store.transaction((tx) => writeInfo(tx, { ...info, accountId: `${info.peerId}-elsewhere` }));
    const linked = openAccount(store, account.vault, nodePrimitives);
    expect(codeOf(() => renameAccount(store, linked, 'Someone'))).toBe('not-allowed');
    expect(store.transaction((tx) => readInfo(tx))?.name).toBe('Ada');
  });
});

describe('messenger.renameSelf', () => {
  it('tells every contact: Bob holds Alice’s card with her new name, and keeps his name for her', async () => {
    const network = createMemoryNetwork();
    const alice = await makePeer(network, 'alice');
    const bob = await makePeer(network, 'bob');
    try {
      await befriend(alice, bob);
      const cardName = () =>
        bob.store.transaction((tx) => {
          const c = tx.getContactByPeerId(alice.peerId);
          return c ? decodeContactCard(c.card, nodePrimitives).displayName : undefined;
        });
      expect(alice.messenger.renameSelf(' Alice Liddell ').name).toBe('Alice Liddell');
      expect(alice.messenger.status().name).toBe('Alice Liddell');
      await eventually(() => cardName() === 'Alice Liddell', 10_000, 'Bob to hold the new card');
      expect(bob.messenger.contacts().map((c) => c.name)).toEqual(['alice']);
    } finally {
      for (const p of [alice, bob]) {
        await p.messenger.stop();
        await p.transport.stop();
      }
    }
  });
});
