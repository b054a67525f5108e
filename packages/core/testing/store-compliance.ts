/**
 * The Store compliance suite: every implementation of core's Store (the
 * in-memory one and `@parley/store` on SQLite) must pass it, so core relies on
 * the contract in ports/store.ts rather than on one implementation. In the spirit of
 * js-libp2p's interface compliance tests.
 *
 * Usage (inside a vitest file):
 *   storeCompliance('memory', () => ({ open: () => createMemoryStore() }));
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Store, StoreClosedError, type StoreTx } from '../src/ports/store.ts';
import { attachmentTests } from './store-compliance-attachments.ts';
import { channelTests } from './store-compliance-channels.ts';
import { draftTests } from './store-compliance-drafts.ts';
import {
  bytes,
  type Ctx,
  catchError,
  conversation,
  keyOf,
  mid,
  readEverything,
  sampleContact,
  sampleMessage,
  sampleOutbox,
  writeEverything,
} from './store-compliance-fixtures.ts';
import { groupTests } from './store-compliance-groups.ts';
import { messageTests } from './store-compliance-messages.ts';
import { orderTests } from './store-compliance-order.ts';
import { keyMaterialTests, metaAndContactTests, outboxAndInboxTests } from './store-compliance-records.ts';
import { searchTests } from './store-compliance-search.ts';

export interface StoreHarness {
  /** A fresh, empty store. Called once per harness; create resources (temp dirs) here, not in the factory. */
  open(): Store;
  /** Close the store `open` returned and open the same underlying data again (persistent stores only). */
  reopen?(): Store;
  /** Release everything (close stores, remove files); called after each test. */
  cleanup?(): void | Promise<void>;
}

export function storeCompliance(name: string, makeHarness: () => StoreHarness): void {
  describe(`Store compliance: ${name}`, () => {
    // Usually one harness per test; a test that opens a second store gets a second harness.
    let harnesses: StoreHarness[] = [];
    const ctx: Ctx = {
      open: () => {
        const harness = makeHarness();
        harnesses.push(harness);
        return harness.open();
      },
      reopen: () => {
        const harness = harnesses[0];
        if (harness?.reopen === undefined) throw new Error('this harness cannot reopen');
        return harness.reopen();
      },
      canReopen: makeHarness().reopen !== undefined,
    };
    afterEach(async () => {
      for (const harness of harnesses) await harness.cleanup?.();
      harnesses = [];
    });
    metaAndContactTests(ctx);
    keyMaterialTests(ctx);
    messageTests(ctx);
    draftTests(ctx);
    orderTests(ctx);
    outboxAndInboxTests(ctx);
    attachmentTests(ctx);
    groupTests(ctx);
    channelTests(ctx);
    searchTests(ctx);
    transactionTests(ctx);
    copyAndCloseTests(ctx);
    persistenceTests(ctx);
  });
}

class Boom extends Error {}

/** Changes every table: writes, replacements and deletions. */
function changeEverything(tx: StoreTx): void {
  tx.setMeta('identity', bytes(0));
  tx.setMeta('new', bytes(0));
  tx.putContact(sampleContact({ name: 'Renamed', pendingIdentityKey: null }));
  tx.putContact(sampleContact({ id: 'c2', peerId: 'peer-2', name: 'Two' }));
  tx.deleteSession('c1');
  tx.deletePrekey('one-time', 1);
  tx.deleteInvite('aa');
  tx.updateMessage(sampleMessage(), { status: 'read', body: bytes(0) });
  tx.insertMessage(sampleMessage({ id: '1'.repeat(32), sortKey: 2 }));
  tx.putReaction({ ...sampleReactionKey, reactor: 'peer-3', emoji: 'x', at: 9 });
  tx.deleteOutbox(tx.listOutbox()[0]?.seq ?? -1);
  tx.enqueueOutbox(sampleOutbox({ digest: 'new' }));
  tx.markReceived('peer-alice', 'd-new', 1);
  tx.pruneReceived(1000);
  tx.recordFailure('peer-alice', 'd9', 2);
  tx.park({ peerId: 'p', digest: 'd', frame: bytes(1), error: 'e', failures: 3, parkedAt: 1 });
  tx.deleteConversation('conv');
}
const sampleReactionKey = { conversationId: 'conv', targetSender: 'peer-alice', targetId: '0'.repeat(32) };

function transactionTests(ctx: Ctx): void {
  it('returns the callback result and commits its writes', () => {
    const store = ctx.open();
    const result = store.transaction((tx) => {
      tx.setMeta('k', bytes(1));
      return 42;
    });
    expect(result).toBe(42);
    expect(store.transaction((tx) => tx.getMeta('k'))).toEqual(bytes(1));
  });

  it('rolls back every change of a throwing callback, across all tables, and rethrows its error', () => {
    const store = ctx.open();
    store.transaction(writeEverything);
    const before = store.transaction(readEverything);
    const boom = new Boom('boom');
    const thrown = catchError(() =>
      store.transaction((tx) => {
        changeEverything(tx);
        throw boom;
      }),
    );
    expect(thrown).toBe(boom);
    expect(store.transaction(readEverything)).toEqual(before);
    expect(store.transaction((tx) => [tx.getMeta('new'), tx.recordFailure('peer-alice', 'd9', 3)])).toEqual([
      undefined,
      2,
    ]);
  });

  it('nested transactions join the outer one: they commit or roll back with it', () => {
    const store = ctx.open();
    const seen = store.transaction((tx) => {
      store.transaction((inner) => inner.setMeta('inner', bytes(1)));
      return tx.getMeta('inner');
    });
    expect(seen).toEqual(bytes(1));
    expect(() =>
      store.transaction(() => {
        store.transaction((inner) => inner.setMeta('joined', bytes(2)));
        throw new Boom();
      }),
    ).toThrow(Boom);
    expect(store.transaction((tx) => tx.getMeta('joined'))).toBeUndefined();
  });

  it('a nested callback that throws undoes its own writes only, when the outer one catches', () => {
    const store = ctx.open();
    store.transaction((tx) => {
      tx.setMeta('outer', bytes(1));
      const error = catchError(() =>
        store.transaction((inner) => {
          inner.setMeta('inner', bytes(2));
          inner.setMeta('outer', bytes(3));
          throw new Boom();
        }),
      );
      expect(error).toBeInstanceOf(Boom);
      expect(tx.getMeta('outer')).toEqual(bytes(1));
    });
    expect(store.transaction((tx) => [tx.getMeta('outer'), tx.getMeta('inner')])).toEqual([
      bytes(1),
      undefined,
    ]);
  });

  it('reads inside a transaction see its own writes at once, and an undone savepoint undoes what they saw', () => {
    // A store may cache reads within a transaction (the SQLite one does); this pins the semantics.
    const store = ctx.open();
    store.transaction((tx) => {
      tx.putContact(sampleContact());
      tx.putConversation(conversation('conv'));
      tx.insertMessage(sampleMessage({ senderSeq: 1, sortKey: 1 }));
    });
    store.transaction((tx) => {
      expect([tx.maxSortKey('conv'), tx.maxSenderSeq('conv', 'peer-alice')]).toEqual([1, 1]);
      expect(tx.getConversation('conv')?.disappearingMs).toBeNull();
      expect(tx.getContactByPeerId('peer-alice')?.name).toBe('Alice');
      tx.insertMessage(sampleMessage({ id: mid(2), senderSeq: 2, sortKey: 2 }));
      expect([tx.maxSortKey('conv'), tx.maxSenderSeq('conv', 'peer-alice')]).toEqual([2, 2]);
      expect(tx.getMessage(keyOf(sampleMessage({ id: mid(2) })))?.sortKey).toBe(2);
      const error = catchError(() =>
        store.transaction((inner) => {
          inner.insertMessage(sampleMessage({ id: mid(3), senderSeq: 7, sortKey: 9 }));
          inner.putConversation(conversation('conv', { disappearingMs: 60_000 }));
          inner.putContact(sampleContact({ name: 'Renamed' }));
          inner.updateMessage(keyOf(sampleMessage({ id: mid(2) })), { status: 'read' });
          expect([inner.maxSortKey('conv'), inner.maxSenderSeq('conv', 'peer-alice')]).toEqual([9, 7]);
          expect(inner.getConversation('conv')?.disappearingMs).toBe(60_000);
          expect(inner.getContactByPeerId('peer-alice')?.name).toBe('Renamed');
          expect(inner.getMessage(keyOf(sampleMessage({ id: mid(2) })))?.status).toBe('read');
          throw new Boom();
        }),
      );
      expect(error).toBeInstanceOf(Boom);
      expect([tx.maxSortKey('conv'), tx.maxSenderSeq('conv', 'peer-alice')]).toEqual([2, 2]);
      expect(tx.getMessage(keyOf(sampleMessage({ id: mid(3) })))).toBeUndefined();
      expect(tx.getMessage(keyOf(sampleMessage({ id: mid(2) })))?.status).toBe('received');
      expect(tx.getConversation('conv')?.disappearingMs).toBeNull();
      expect(tx.getContactByPeerId('peer-alice')?.name).toBe('Alice');
      tx.deleteMessage(keyOf(sampleMessage({ id: mid(2) })));
      expect([tx.maxSortKey('conv'), tx.maxSenderSeq('conv', 'peer-alice')]).toEqual([1, 1]);
      tx.deleteContact('c1');
      expect(tx.getContactByPeerId('peer-alice')).toBeUndefined();
    });
  });

  it('getMessageBySeq keeps answering the first of a sequence number by sort key, also right after inserts', () => {
    const store = ctx.open();
    const first = sampleMessage({ id: mid(1), senderSeq: 3, sortKey: 5 });
    store.transaction((tx) => tx.insertMessage(first));
    store.transaction((tx) => {
      expect(tx.getMessageBySeq('conv', 'peer-alice', 4)).toBeUndefined();
      tx.insertMessage(sampleMessage({ id: mid(2), senderSeq: 4, sortKey: 6 }));
      expect(tx.getMessageBySeq('conv', 'peer-alice', 4)?.id).toBe(mid(2));
      expect(tx.getMessageBySeq('conv', 'peer-alice', 3)?.id).toBe(mid(1));
      tx.insertMessage(sampleMessage({ id: mid(3), senderSeq: 3, sortKey: 1 })); // same seq, earlier place
      expect(tx.getMessageBySeq('conv', 'peer-alice', 3)?.id).toBe(mid(3));
      tx.insertMessage(sampleMessage({ id: mid(4), senderSeq: 3, sortKey: 9 }));
      expect(tx.getMessageBySeq('conv', 'peer-alice', 3)?.id).toBe(mid(3));
      tx.updateMessage(keyOf(sampleMessage({ id: mid(3) })), { status: 'read' });
      expect(tx.getMessageBySeq('conv', 'peer-alice', 3)?.status).toBe('read');
    });
  });

  it('takeOutboxByDigest removes and returns the oldest entry with that digest, once', () => {
    const store = ctx.open();
    const [a, b] = store.transaction((tx) => [
      tx.enqueueOutbox(sampleOutbox({ digest: 'dd' })),
      tx.enqueueOutbox(sampleOutbox({ digest: 'dd' })),
      tx.enqueueOutbox(sampleOutbox({ digest: 'other' })),
    ]);
    store.transaction((tx) => {
      expect(tx.takeOutboxByDigest('peer-other', 'dd')).toBeUndefined();
      expect(tx.takeOutboxByDigest(sampleOutbox().peerId, 'dd')?.seq).toBe(a);
      expect(tx.getOutboxByDigest(sampleOutbox().peerId, 'dd')?.seq).toBe(b);
    });
    store.transaction((tx) => {
      const taken = tx.takeOutboxByDigest(sampleOutbox().peerId, 'dd');
      expect(taken).toMatchObject({ seq: b, digest: 'dd', message: sampleOutbox().message });
      expect(taken).not.toHaveProperty('frame');
      expect(tx.takeOutboxByDigest(sampleOutbox().peerId, 'dd')).toBeUndefined();
      expect(tx.listOutbox().map((o) => o.digest)).toEqual(['other']);
    });
  });

  it('takeOutbox removes an entry by seq only if peer and digest match', () => {
    const store = ctx.open();
    const message = { conversationId: 'conv-1', sender: 'self', id: 'm-1' };
    const seq = store.transaction((tx) => tx.enqueueOutbox(sampleOutbox({ digest: 'dd', message })));
    const peer = sampleOutbox().peerId;
    store.transaction((tx) => {
      expect(tx.takeOutbox(seq, peer, 'other')).toBeUndefined();
      expect(tx.takeOutbox(seq, 'peer-other', 'dd')).toBeUndefined();
      expect(tx.takeOutbox(seq + 1, peer, 'dd')).toBeUndefined();
      expect(tx.listOutbox()).toHaveLength(1);
      const taken = tx.takeOutbox(seq, peer, 'dd');
      expect(taken).toEqual({
        seq,
        peerId: peer,
        kind: sampleOutbox().kind,
        digest: 'dd',
        message,
      }); // all but the frame
      expect(tx.takeOutbox(seq, peer, 'dd')).toBeUndefined();
      expect(tx.listOutbox()).toEqual([]);
    });
  });

  it('updateMessageIf changes a message only from the statuses given', () => {
    const store = ctx.open();
    const key = keyOf(sampleMessage());
    store.transaction((tx) => tx.insertMessage(sampleMessage({ sender: key.sender, status: 'queued' })));
    store.transaction((tx) => {
      expect(tx.updateMessageIf(key, ['sent'], { status: 'delivered' })).toBe(false);
      expect(tx.getMessage(key)?.status).toBe('queued');
      expect(tx.updateMessageIf(key, ['queued', 'sent'], { status: 'delivered' })).toBe(true);
      expect(tx.getMessage(key)?.status).toBe('delivered');
      expect(tx.updateMessageIf(key, ['queued', 'sent'], { status: 'failed', error: 'x' })).toBe(false);
      expect(tx.updateMessageIf(key, [], { status: 'failed' })).toBe(false);
      expect(tx.updateMessageIf(keyOf(sampleMessage({ id: mid(9) })), ['queued'], { status: 'sent' })).toBe(
        false,
      );
    });
    expect(store.transaction((tx) => tx.getMessage(key))).toMatchObject({ status: 'delivered', error: null });
  });

  it('a failure recorded and cleared in one transaction is gone; clearing when there is none is a no-op', () => {
    const store = ctx.open();
    store.transaction((tx) => {
      tx.clearFailure('peer-alice', 'd1');
      expect(tx.recordFailure('peer-alice', 'd1', 1)).toBe(1);
      tx.clearFailure('peer-alice', 'd1');
      expect(tx.recordFailure('peer-alice', 'd1', 2)).toBe(1);
    });
    store.transaction((tx) => tx.clearFailure('peer-alice', 'd1'));
    expect(store.transaction((tx) => tx.recordFailure('peer-alice', 'd1', 3))).toBe(1);
  });

  it('a transaction that need not be durable commits like any other', () => {
    const store = ctx.open();
    store.transaction((tx) => tx.setMeta('relaxed', bytes(1)), { durable: false });
    store.transaction((tx) => tx.setMeta('durable', bytes(2)));
    expect(store.transaction((tx) => [tx.getMeta('relaxed'), tx.getMeta('durable')])).toEqual([
      bytes(1),
      bytes(2),
    ]);
    if (!ctx.canReopen) return;
    const again = ctx.reopen();
    expect(again.transaction((tx) => tx.getMeta('relaxed'))).toEqual(bytes(1));
  });

  it('a conflict propagating out of a transaction rolls back its earlier writes', () => {
    const store = ctx.open();
    store.transaction((tx) => tx.putContact(sampleContact()));
    expect(() =>
      store.transaction((tx) => {
        tx.insertMessage(sampleMessage());
        tx.putContact(sampleContact({ id: 'c2', name: 'Other' }));
      }),
    ).toThrow(expect.objectContaining({ code: 'store-conflict' }));
    expect(store.transaction((tx) => tx.listMessages('conv'))).toEqual([]);
  });

  it('refuses an async callback and rolls back what it did before its first await', () => {
    const store = ctx.open();
    const asyncFn = async (tx: StoreTx): Promise<void> => tx.setMeta('k', bytes(1));
    expect(() => store.transaction(asyncFn)).toThrow(TypeError);
    expect(store.transaction((tx) => tx.getMeta('k'))).toBeUndefined();
  });
}

function copyAndCloseTests(ctx: Ctx): void {
  it('copies records in: mutating what was passed does not change the store', () => {
    const store = ctx.open();
    const contact = sampleContact({ pendingIdentityKey: bytes(1) });
    const message = sampleMessage();
    const outbox = sampleOutbox();
    const meta = bytes(1);
    store.transaction((tx) => {
      tx.putContact(contact);
      tx.insertMessage(message);
      tx.enqueueOutbox(outbox);
      tx.setMeta('k', meta);
      tx.putSession('c1', meta);
    });
    for (const b of [contact.identityKey, contact.pendingIdentityKey, message.body, outbox.frame, meta])
      b?.fill(0xff);
    (contact.addresses as string[]).push('/evil');
    store.transaction((tx) => {
      expect(tx.getContact('c1')).toEqual(sampleContact({ pendingIdentityKey: bytes(1) }));
      expect(tx.listMessages('conv')[0]?.body).toEqual(sampleMessage().body);
      expect(tx.listOutbox()[0]?.frame).toEqual(sampleOutbox().frame);
      expect([tx.getMeta('k'), tx.getSession('c1')]).toEqual([bytes(1), bytes(1)]);
    });
  });

  it('copies records out, as plain Uint8Arrays: mutating what was returned does not change the store', () => {
    const store = ctx.open();
    store.transaction(writeEverything);
    store.transaction((tx) => {
      const contact = tx.getContact('c1');
      contact?.identityKey.fill(0);
      (contact?.addresses as string[] | undefined)?.push('/evil');
      tx.listMessages('conv')[0]?.body.fill(0);
      tx.getMessage(sampleMessage())?.body.fill(0);
      tx.listOutbox()[0]?.frame.fill(0);
      tx.getMeta('identity')?.fill(0);
      tx.getSession('c1')?.fill(0);
      tx.getPrekey('one-time', 1)?.secret.fill(0);
      tx.listParked()[0]?.frame.fill(0);
    });
    const fresh = ctx.open();
    fresh.transaction(writeEverything);
    const all = store.transaction(readEverything);
    expect(all).toEqual(fresh.transaction(readEverything));
    const session = store.transaction((tx) => tx.getSession('c1'));
    expect(Object.getPrototypeOf(session)).toBe(Uint8Array.prototype);
  });

  it('after close(), transactions and leaked tx objects throw StoreClosedError; close is idempotent', () => {
    const store = ctx.open();
    const leaked = store.transaction((tx) => tx);
    store.close();
    store.close();
    expect(() => store.transaction(() => 1)).toThrow(StoreClosedError);
    expect(catchError(() => store.transaction(() => 1))).toMatchObject({ code: 'store-closed' });
    expect(() => leaked.getMeta('k')).toThrow(StoreClosedError);
  });

  it('refuses a tx object used after its transaction ended', () => {
    const store = ctx.open();
    const leaked = store.transaction((tx) => tx);
    expect(() => leaked.setMeta('k', bytes(1))).toThrow();
    expect(store.transaction((tx) => tx.getMeta('k'))).toBeUndefined();
  });
}

function persistenceTests(ctx: Ctx): void {
  it.skipIf(!ctx.canReopen)('keeps every record byte for byte across close and reopen', () => {
    const store = ctx.open();
    store.transaction((tx) => {
      writeEverything(tx);
      tx.insertMessage(
        sampleMessage({ id: '2'.repeat(32), body: new Uint8Array(0), expiresAt: 7, error: 'e' }),
      );
    });
    const before = store.transaction(readEverything);
    const reopened = ctx.reopen();
    const after = reopened.transaction(readEverything);
    expect(after).toEqual(before);
    const body = reopened.transaction((tx) => tx.listMessages('conv')[0]?.body);
    expect(Object.getPrototypeOf(body)).toBe(Uint8Array.prototype);
    expect(reopened.transaction((tx) => tx.recordFailure('peer-alice', 'd9', 2))).toBe(2);
  });

  it.skipIf(!ctx.canReopen)('a rolled-back transaction leaves nothing behind after reopen', () => {
    const store = ctx.open();
    store.transaction(writeEverything);
    const before = store.transaction(readEverything);
    expect(() =>
      store.transaction((tx) => {
        changeEverything(tx);
        throw new Boom();
      }),
    ).toThrow(Boom);
    expect(ctx.reopen().transaction(readEverything)).toEqual(before);
  });

  it.skipIf(!ctx.canReopen)('keeps outbox seqs increasing and names unique across reopen', () => {
    const store = ctx.open();
    const seq = store.transaction((tx) => {
      tx.putContact(sampleContact());
      const s = tx.enqueueOutbox(sampleOutbox());
      tx.deleteOutbox(s);
      return s;
    });
    const reopened = ctx.reopen();
    expect(reopened.transaction((tx) => tx.enqueueOutbox(sampleOutbox()))).toBeGreaterThan(seq);
    expect(() =>
      reopened.transaction((tx) => tx.putContact(sampleContact({ id: 'c2', peerId: 'p2', name: 'ALICE' }))),
    ).toThrow(expect.objectContaining({ field: 'name' }));
  });
}
