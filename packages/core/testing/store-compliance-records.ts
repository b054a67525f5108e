/** Store compliance: accounts, contacts, key material, outbox and inbox bookkeeping. */
import { expect, it } from 'vitest';
import { StoreConflictError } from '../src/ports/store.ts';
import {
  bytes,
  type Ctx,
  catchError,
  conversation,
  inFresh,
  invite,
  mid,
  parked,
  prekey,
  sampleContact,
  sampleMessage,
  sampleOutbox,
} from './store-compliance-fixtures.ts';

export function metaAndContactTests(ctx: Ctx): void {
  const run = inFresh(ctx);
  it('stores, replaces and deletes meta values', () => {
    run((tx) => {
      expect(tx.getMeta('k')).toBeUndefined();
      tx.setMeta('k', bytes(1));
      tx.setMeta('k', bytes(2, 3));
      expect(tx.getMeta('k')).toEqual(bytes(2, 3));
      tx.setMeta('empty', new Uint8Array(0));
      expect(tx.getMeta('empty')).toEqual(new Uint8Array(0));
      tx.deleteMeta('k');
      tx.deleteMeta('never-set');
      expect(tx.getMeta('k')).toBeUndefined();
    });
  });

  it('puts and finds contacts by id, PeerId and name (ignoring case), listed by creation', () => {
    run((tx) => {
      const bob = sampleContact({ id: 'c2', peerId: 'peer-bob', name: 'Bob', createdAt: 2000 });
      const alice = sampleContact({ pendingIdentityKey: bytes(8), verified: true, state: 'pending' });
      tx.putContact(bob);
      tx.putContact(alice);
      expect(tx.getContact('c1')).toEqual(alice);
      expect(tx.getContactByPeerId('peer-bob')).toEqual(bob);
      expect(tx.getContactByName('aLiCe')).toEqual(alice);
      expect(tx.getContact('nope')).toBeUndefined();
      expect(tx.getContactByPeerId('nope')).toBeUndefined();
      expect(tx.getContactByName('nope')).toBeUndefined();
      expect(tx.listContacts()).toEqual([alice, bob]);
    });
  });

  it('refuses a second contact with the same PeerId or the same name in another case', () => {
    run((tx) => {
      tx.putContact(sampleContact({ name: 'Émile' }));
      const samePeer = (): void => tx.putContact(sampleContact({ id: 'c2', name: 'Other' }));
      expect(samePeer).toThrow(StoreConflictError);
      expect(catchError(samePeer)).toMatchObject({ code: 'store-conflict', field: 'peerId' });
      const sameName = (): void =>
        tx.putContact(sampleContact({ id: 'c2', peerId: 'peer-2', name: 'éMILE' }));
      expect(catchError(sameName)).toMatchObject({ code: 'store-conflict', field: 'name' });
      expect(tx.listContacts()).toHaveLength(1);
    });
  });

  it('replaces a contact by id (rename, re-case, new PeerId) without conflicting with itself', () => {
    run((tx) => {
      tx.putContact(sampleContact());
      tx.putContact(sampleContact({ name: 'ALICE' }));
      tx.putContact(sampleContact({ name: 'Alicia', peerId: 'peer-new', updatedAt: 5 }));
      expect(tx.listContacts()).toEqual([
        sampleContact({ name: 'Alicia', peerId: 'peer-new', updatedAt: 5 }),
      ]);
      expect(tx.getContactByName('alice')).toBeUndefined();
      expect(tx.getContactByPeerId('peer-alice')).toBeUndefined();
      // The old name and PeerId are free again.
      tx.putContact(sampleContact({ id: 'c2' }));
      expect(tx.listContacts()).toHaveLength(2);
    });
  });

  it('deletes a contact with its session, keeping its conversation and messages', () => {
    run((tx) => {
      tx.putContact(sampleContact());
      tx.putSession('c1', bytes(1));
      tx.putConversation(conversation('c1'));
      tx.insertMessage(sampleMessage({ conversationId: 'c1' }));
      tx.deleteContact('c1');
      tx.deleteContact('never-existed');
      expect(tx.getContact('c1')).toBeUndefined();
      expect(tx.getSession('c1')).toBeUndefined();
      expect(tx.getConversation('c1')).toEqual(conversation('c1'));
      expect(tx.listMessages('c1')).toHaveLength(1);
    });
  });
}

function _catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

export function keyMaterialTests(ctx: Ctx): void {
  const run = inFresh(ctx);
  it('keeps the latest device list per account and its devices; a PeerId has one owner', () => {
    run((tx) => {
      const d = (peerId: string, owner = 'c1') => ({ owner, peerId, identityKey: bytes(5), card: null });
      expect(tx.getDeviceList('c1')).toBeUndefined();
      expect(tx.listDevices('c1')).toEqual([]);
      tx.putDeviceList('c1', bytes(1), [d('p-b'), { ...d('p-a'), card: bytes(7) }]);
      expect(tx.getDeviceList('c1')).toEqual(bytes(1));
      expect(tx.listDevices('c1').map((x) => x.peerId)).toEqual(['p-b', 'p-a']);
      expect(tx.getDevice('p-a')).toEqual({
        owner: 'c1',
        peerId: 'p-a',
        identityKey: bytes(5),
        card: bytes(7),
      });
      expect(catchError(() => tx.putDeviceList('self', bytes(2), [d('p-a', 'self')]))).toBeInstanceOf(
        StoreConflictError,
      );
      expect(tx.setDeviceCard('p-b', bytes(9))).toBe(true);
      expect(tx.setDeviceCard('p-none', bytes(9))).toBe(false);
      // A newer list replaces the devices: those not named again are gone.
      tx.putDeviceList('c1', bytes(3), [d('p-c')]);
      expect(tx.getDevice('p-a')).toBeUndefined();
      expect(tx.listDevices('c1')).toEqual([d('p-c')]);
      // A provisional list (contacts/device-invites.ts) has no bytes: kept as such, not as none.
      tx.putDeviceList('c2', new Uint8Array(0), [d('p-d', 'c2')]);
      expect(tx.getDeviceList('c2')).toEqual(new Uint8Array(0));
      expect(tx.listDevices('c2').map((x) => x.peerId)).toEqual(['p-d']);
      tx.putDeviceList('self', bytes(4), [d('p-a', 'self')]);
      tx.deleteDeviceList('self');
      expect(tx.getDeviceList('self')).toBeUndefined();
      expect(tx.getDevice('p-a')).toBeUndefined();
    });
  });

  it('deleting a contact forgets its device list, devices and every session with them', () => {
    run((tx) => {
      tx.putContact(sampleContact());
      tx.putDeviceList('c1', bytes(1), [{ owner: 'c1', peerId: 'p-x', identityKey: bytes(5), card: null }]);
      tx.putSession('c1', bytes(1));
      tx.putSession('c1@p-x', bytes(2));
      tx.putSession('c1#previous', bytes(3)); // the sessions they replaced
      tx.putSession('c1@p-x#previous', bytes(4));
      tx.putSession('c2#previous', bytes(5)); // another contact's stays
      tx.deleteContact('c1');
      expect(tx.getDeviceList('c1')).toBeUndefined();
      expect(tx.getDevice('p-x')).toBeUndefined();
      for (const key of ['c1', 'c1@p-x', 'c1#previous', 'c1@p-x#previous'])
        expect(tx.getSession(key)).toBeUndefined();
      expect(tx.getSession('c2#previous')).toEqual(bytes(5));
    });
  });
  it('stores, replaces and deletes sessions', () => {
    run((tx) => {
      expect(tx.getSession('c1')).toBeUndefined();
      tx.putSession('c1', bytes(1));
      tx.putSession('c1', bytes(2));
      tx.putSession('c2', bytes(3));
      expect(tx.getSession('c1')).toEqual(bytes(2));
      tx.deleteSession('c1');
      expect(tx.getSession('c1')).toBeUndefined();
      expect(tx.getSession('c2')).toEqual(bytes(3));
    });
  });

  it('keeps prekeys per kind, lists them ascending by id', () => {
    run((tx) => {
      for (const id of [5, 1, 300, 2]) tx.putPrekey(prekey(id));
      tx.putPrekey(prekey(1, 'signed'));
      expect(tx.listPrekeys('one-time')).toEqual([1, 2, 5, 300].map((id) => ({ id, createdAt: 100 + id })));
      expect(tx.listPrekeys('signed')).toEqual([{ id: 1, createdAt: 101 }]);
      expect(tx.getPrekey('one-time', 5)).toEqual(prekey(5));
      expect(tx.getPrekey('signed', 5)).toBeUndefined();
      tx.putPrekey({ ...prekey(5), secret: bytes(0) });
      expect(tx.getPrekey('one-time', 5)?.secret).toEqual(bytes(0));
      tx.deletePrekey('one-time', 1);
      expect(tx.getPrekey('one-time', 1)).toBeUndefined();
      expect(tx.getPrekey('signed', 1)).toEqual(prekey(1, 'signed'));
    });
  });

  it('keeps ML-KEM prekeys (suite 2) apart from X25519 ones with the same id', () => {
    run((tx) => {
      tx.putPrekey(prekey(2, 'signed'));
      tx.putPrekey(prekey(2, 'kem-signed'));
      tx.putPrekey(prekey(2, 'kem-one-time'));
      expect(tx.listPrekeys('kem-signed')).toEqual([{ id: 2, createdAt: 102 }]);
      expect(tx.getPrekey('kem-one-time', 2)).toEqual(prekey(2, 'kem-one-time'));
      tx.deletePrekey('kem-one-time', 2);
      expect(tx.getPrekey('kem-one-time', 2)).toBeUndefined();
      expect(tx.getPrekey('kem-signed', 2)).toEqual(prekey(2, 'kem-signed'));
      expect(tx.getPrekey('signed', 2)).toEqual(prekey(2, 'signed'));
    });
  });

  it('stores, replaces, lists (by creation) and deletes invites', () => {
    run((tx) => {
      const b = invite('bb', { createdAt: 2, reusable: true, uses: 3, expiresAt: 99, oneTimePrekeyId: 7 });
      tx.putInvite(b);
      tx.putInvite(invite('aa'));
      expect(tx.listInvites()).toEqual([invite('aa'), b]);
      tx.putInvite({ ...b, uses: 4 });
      expect(tx.getInvite('bb')?.uses).toBe(4);
      tx.deleteInvite('aa');
      expect(tx.getInvite('aa')).toBeUndefined();
      expect(tx.listInvites()).toHaveLength(1);
    });
  });
}

export function outboxAndInboxTests(ctx: Ctx): void {
  const run = inFresh(ctx);
  it('assigns increasing seqs across peers and lists the outbox in seq order', () => {
    run((tx) => {
      const message = { conversationId: 'conv', sender: 'self', id: mid(1) };
      const s1 = tx.enqueueOutbox(sampleOutbox({ message }));
      const s2 = tx.enqueueOutbox(sampleOutbox({ peerId: 'peer-bob', digest: 'd2', kind: 'intro' }));
      const s3 = tx.enqueueOutbox(sampleOutbox({ digest: 'd3' }));
      expect(s1).toBeGreaterThan(0);
      expect(s2).toBeGreaterThan(s1);
      expect(s3).toBeGreaterThan(s2);
      expect(tx.listOutbox().map((o) => o.seq)).toEqual([s1, s2, s3]);
      expect(tx.listOutbox('peer-alice')).toEqual([
        { ...sampleOutbox({ message }), seq: s1, depositedAt: null },
        { ...sampleOutbox({ digest: 'd3' }), seq: s3, depositedAt: null },
      ]);
      expect(tx.listOutbox('nobody')).toEqual([]);
      expect(tx.listOutbox(undefined, s1).map((o) => o.seq)).toEqual([s2, s3]);
      expect(tx.listOutbox('peer-alice', s3)).toEqual([]);
      expect(tx.countOutbox()).toBe(3);
      expect(tx.countOutbox('peer-alice')).toBe(2);
      expect(tx.countOutbox('nobody')).toBe(0);
    });
  });

  it('finds outbox records by digest, updates and deletes them; seqs are not reused', () => {
    run((tx) => {
      const s1 = tx.enqueueOutbox(sampleOutbox());
      const s2 = tx.enqueueOutbox(sampleOutbox({ digest: 'd2' }));
      expect(tx.getOutboxByDigest('peer-alice', 'd2')?.seq).toBe(s2);
      expect(tx.getOutboxByDigest('peer-bob', 'd2')).toBeUndefined();
      tx.updateOutbox(s1, { attempts: 2, nextAttemptAt: 99, lastError: 'timeout' });
      expect(tx.getOutboxByDigest('peer-alice', 'd1')).toEqual({
        ...sampleOutbox({ attempts: 2, nextAttemptAt: 99, lastError: 'timeout' }),
        seq: s1,
        depositedAt: null,
      });
      tx.updateOutbox(999, { attempts: 1, nextAttemptAt: 1, lastError: null });
      tx.deleteOutbox(s2);
      tx.deleteOutbox(999);
      expect(tx.listOutbox().map((o) => o.seq)).toEqual([s1]);
      expect(tx.enqueueOutbox(sampleOutbox({ digest: 'd3' }))).toBeGreaterThan(s2);
    });
  });

  it('marks outbox records deposited at a mailbox, keeping them until their ACK', () => {
    run((tx) => {
      const s1 = tx.enqueueOutbox(sampleOutbox());
      const s2 = tx.enqueueOutbox(sampleOutbox({ digest: 'd2' }));
      tx.markOutboxDeposited([s2, 999], 1234);
      expect(tx.listOutbox('peer-alice').map((o) => [o.seq, o.depositedAt])).toEqual([
        [s1, null],
        [s2, 1234],
      ]);
      expect(tx.takeOutbox(s2, 'peer-alice', 'd2')?.seq).toBe(s2);
      expect(tx.countOutbox('peer-alice')).toBe(1);
    });
  });

  it('remembers received digests per peer and prunes the old ones', () => {
    run((tx) => {
      expect(tx.hasReceived('peer-alice', 'd1')).toBe(false);
      tx.markReceived('peer-alice', 'd1', 10);
      tx.markReceived('peer-alice', 'd2', 20);
      tx.markReceived('peer-bob', 'd1', 30);
      tx.markReceived('peer-alice', 'd1', 10);
      expect(tx.hasReceived('peer-alice', 'd1')).toBe(true);
      expect(tx.hasReceived('peer-bob', 'd2')).toBe(false);
      expect(tx.pruneReceived(20)).toBe(1);
      expect(tx.hasReceived('peer-alice', 'd1')).toBe(false);
      expect(tx.hasReceived('peer-alice', 'd2')).toBe(true);
      expect(tx.pruneReceived(20)).toBe(0);
      expect(tx.pruneReceived(1000)).toBe(2);
    });
  });

  it('a digest received again is kept from its latest time', () => {
    run((tx) => {
      tx.markReceived('peer-alice', 'd1', 10);
      tx.markReceived('peer-alice', 'd1', 50);
      tx.markReceived('peer-alice', 'd1', 20);
      expect(tx.pruneReceived(50)).toBe(0);
      expect(tx.pruneReceived(51)).toBe(1);
    });
  });

  it('counts failures per frame and clears them', () => {
    run((tx) => {
      expect(tx.recordFailure('peer-alice', 'd1', 1)).toBe(1);
      expect(tx.recordFailure('peer-alice', 'd1', 2)).toBe(2);
      expect(tx.recordFailure('peer-bob', 'd1', 2)).toBe(1);
      expect(tx.recordFailure('peer-alice', 'd1', 3)).toBe(3);
      tx.clearFailure('peer-alice', 'd1');
      tx.clearFailure('peer-alice', 'never');
      expect(tx.recordFailure('peer-alice', 'd1', 4)).toBe(1);
      expect(tx.recordFailure('peer-bob', 'd1', 4)).toBe(2);
    });
  });

  it('parks frames (replacing per peer and digest), lists them by time and deletes them', () => {
    run((tx) => {
      tx.park(parked('d2', { parkedAt: 20 }));
      tx.park(parked('d1', { parkedAt: 30 }));
      tx.park(parked('d2', { parkedAt: 10, error: 'bad frame' }));
      tx.park(parked('d1', { peerId: 'peer-bob', parkedAt: 30 }));
      expect(tx.listParked()).toEqual([
        parked('d2', { parkedAt: 10, error: 'bad frame' }),
        parked('d1', { parkedAt: 30 }),
        parked('d1', { peerId: 'peer-bob', parkedAt: 30 }),
      ]);
      tx.deleteParked('peer-alice', 'd1');
      tx.deleteParked('peer-alice', 'never');
      expect(tx.listParked().map((p) => `${p.peerId}/${p.digest}`)).toEqual(['peer-alice/d2', 'peer-bob/d1']);
    });
  });
}

/** Writes one of everything; returns a function reading it all back. */
