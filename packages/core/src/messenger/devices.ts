/**
 * The messenger's device methods (docs/MULTI-DEVICE.md): list this account's devices, approve a
 * new one, remove one. Every change of our list is told at once to every contact (each of their
 * devices) and to each of our other devices, as a `devices` control through the outbox.
 */
import { equalBytes, type HeldDeviceList } from '@parley/crypto';
import { loadOwnMailboxes } from '../account/index.ts';
import { CoreError, toBase64Url } from '../base/index.ts';
import { ownCard } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  approveLink,
  encodeDevicesPayload,
  ownDeviceList,
  ownTargets,
  publishOwnList,
  readCard,
  SELF,
} from '../devices/index.ts';
import { compose, sendToOwnDevices, syncToOwnDevices } from '../messaging/index.ts';
import type { ContactRecord, StoreTx } from '../ports/index.ts';
import { SessionBatch } from '../sessions/index.ts';
import { encodeCardExtension } from '../wire/index.ts';

/** One device of this account, as `parley devices list --json` prints it. */
export interface DeviceView {
  /** Short id: the last 8 characters of its PeerId (what `devices remove` takes; a full PeerId works too). */
  readonly id: string;
  readonly name: string;
  readonly peerId: string;
  /** This device. */
  readonly current: boolean;
  readonly addedAt: number;
  /** When we last heard from it (ms), or null: not known here. */
  readonly lastSeen: number | null;
}

export interface DeviceMethods {
  devices(): DeviceView[];
  /**
   * Approves a new device that presented `card` with the link secret `secret` (docs/MULTI-DEVICE.md
   * "Linking"): it joins the list, and the returned grant (sealed for it) is what it needs.
   */
  approveDevice(
    card: Uint8Array,
    secret: Uint8Array,
  ): { readonly grant: Uint8Array; readonly device: DeviceView };
  /** Removes a device (by id or PeerId) from the account; not this one. */
  removeDevice(id: string): DeviceView;
}

export function deviceMethods(
  ctx: Ctx,
  deps: {
    readonly kick: (peerId: string) => void;
    readonly changed: () => void;
    /** When we last heard from a device (ms), or null. */
    readonly lastSeen: (peerId: string) => number | null;
  },
): DeviceMethods {
  const views = (held: HeldDeviceList | undefined): DeviceView[] => {
    const me = ctx.account.info.peerId;
    if (!held)
      return [
        {
          id: shortId(me),
          name: 'This device',
          peerId: me,
          current: true,
          addedAt: ctx.account.info.createdAt,
          lastSeen: null,
        },
      ];
    return held.list.devices.map((d) => ({
      id: shortId(d.peerId),
      name: d.name,
      peerId: d.peerId,
      current: d.peerId === me,
      addedAt: d.addedAt,
      lastSeen: d.peerId === me ? ctx.now() : deps.lastSeen(d.peerId),
    }));
  };

  const after = (peers: readonly string[]): void => {
    deps.changed();
    for (const p of peers) deps.kick(p);
  };

  return {
    devices: () => ctx.store.transaction((tx) => views(ownDeviceList(ctx, tx))),
    approveDevice(card, secret) {
      const { grant, list, peerId, peers } = ctx.store.transaction((tx) => {
        const own = ownCard(ctx, tx, {}).card;
        const approved = approveLink(ctx, tx, { card, secret, ownCard: own });
        return { ...approved, peers: announceList(ctx, tx, approved.list) };
      });
      after(peers);
      const device = views(list).find((d) => d.peerId === peerId);
      if (!device) throw new Error('unreachable: the approved device is in the list');
      return { grant, device };
    },
    removeDevice(id) {
      const { removed, peers } = ctx.store.transaction((tx) => {
        const held = ownDeviceList(ctx, tx);
        const found = held?.list.devices.filter((d) => d.peerId === id || shortId(d.peerId) === id) ?? [];
        const gone = found[0];
        if (found.length !== 1 || !gone || !held)
          throw new CoreError('bad-input', `no device "${id}" in this account (see "parley devices list")`);
        if (gone.peerId === ctx.account.info.peerId)
          throw new CoreError(
            'not-allowed',
            'this is the device you are using; remove it from another device',
          );
        const next = publishOwnList(
          ctx,
          tx,
          held.list.devices.filter((d) => d.peerId !== gone.peerId),
        );
        return {
          removed: views(held).find((d) => d.peerId === gone.peerId) as DeviceView,
          peers: announceList(ctx, tx, next),
        };
      });
      after(peers);
      return removed;
    },
  };
}

const shortId = (peerId: string): string => peerId.slice(-8);

/**
 * What our other devices and our contacts must learn as contacts change (docs/MULTI-DEVICE.md):
 * a contact added, changed or removed here is copied to our other devices (`sync` ops `contact`
 * and `forget`); a contact who just became active is told our device list, so that it writes to
 * all of our devices.
 */
export interface DeviceSync {
  contact(contact: ContactRecord, removed?: boolean): void;
  announceTo(contact: ContactRecord): void;
}

export function createDeviceSync(ctx: Ctx, kick: (peerId: string) => void): DeviceSync {
  const run = (fn: (tx: StoreTx, sessions: SessionBatch) => string[]): void => {
    let peers: string[] = [];
    try {
      peers = ctx.store.transaction((tx) => {
        const sessions = new SessionBatch(tx, ctx.account.vault);
        const out = fn(tx, sessions);
        sessions.save();
        return out;
      });
    } catch (error) {
      if (!(error instanceof CoreError)) throw error;
      ctx.events.emit('problem', {
        code: 'sync',
        message: `your other devices were not told: ${error.message}`,
      });
    }
    for (const p of peers) kick(p);
  };
  return {
    contact(c, removed = false) {
      if (c.state === 'introduced') return; // (members known through a group: their group says)
      // (an account met through its linked device: told once its first device's card comes)
      if (c.card.length === 0 && !removed) return;
      run((tx, sessions) => {
        if (ownTargets(ctx, tx).length === 0) return [];
        return syncToOwnDevices(
          ctx,
          tx,
          sessions,
          removed
            ? { op: 'forget', peer: c.peerId }
            : {
                op: 'contact',
                peer: c.peerId,
                contact: {
                  name: c.name,
                  identityKey: toBase64Url(c.identityKey),
                  card: toBase64Url(c.card),
                  addresses: c.addresses.slice(0, 16),
                  verified: c.verified,
                  state: c.state,
                  pendingIdentityKey: c.pendingIdentityKey ? toBase64Url(c.pendingIdentityKey) : null,
                },
              },
        );
      });
    },
    announceTo(c) {
      run((tx, sessions) => {
        const held = ownDeviceList(ctx, tx);
        if (!held) return [];
        const current = tx.getContact(c.id);
        if (!current) return [];
        compose(
          ctx,
          tx,
          current,
          { kind: 'devices', payload: devicesPayload(tx, held) },
          undefined,
          sessions,
        );
        return [current.peerId];
      });
    },
  };
}

/** Our list as we tell it: with every device's card we hold. */
const devicesPayload = (tx: StoreTx, held: HeldDeviceList): Uint8Array =>
  encodeDevicesPayload({
    list: held.bytes,
    cards: tx.listDevices(SELF).flatMap((d) => (d.card ? [d.card] : [])),
  });

/** Tells every contact and our other devices the list we hold now (inside `tx`); peers to kick. */
function announceList(ctx: Ctx, tx: StoreTx, held: HeldDeviceList): string[] {
  const payload = devicesPayload(tx, held);
  const sessions = new SessionBatch(tx, ctx.account.vault);
  const peers: string[] = [];
  for (const c of tx.listContacts()) {
    if (c.state === 'pending') continue; // told with the rest once they accept us (their card has it)
    try {
      compose(ctx, tx, c, { kind: 'devices', payload }, undefined, sessions);
      peers.push(c.peerId);
    } catch (error) {
      if (!(error instanceof CoreError)) throw error; // (no session with them yet: nothing to tell)
    }
  }
  peers.push(...sendToOwnDevices(ctx, tx, sessions, { kind: 'devices', payload }));
  sessions.save();
  return peers;
}

/**
 * On start, and when our mailboxes change, on a device of a multi-device account: if where this
 * device listens or the mailboxes that hold its mail changed since its card was last told, tell
 * every contact and our other devices its new card (with the list they hold), so that they can
 * reach it while it is the only one of ours online, and leave its mail at its own mailbox queues
 * while it is away.
 */
export function refreshOwnCard(ctx: Ctx, kick: (peerId: string) => void): void {
  const peers = ctx.store.transaction((tx) => {
    const held = ownDeviceList(ctx, tx);
    const me = tx.getDevice(ctx.account.info.peerId);
    if (!held || !me) return [];
    const now = ctx.transport.addresses();
    const told = me.card ? readCard(me.card, ctx.primitives) : undefined;
    const toldAddresses = told?.addresses ?? [];
    const mailboxes = encodeCardExtension({ mailboxes: loadOwnMailboxes(tx, ctx.account.vault) });
    if (
      now.length === toldAddresses.length &&
      now.every((a, i) => a === toldAddresses[i]) &&
      equalBytes(told?.extension ?? new Uint8Array(0), mailboxes)
    )
      return [];
    tx.setDeviceCard(me.peerId, ownCard(ctx, tx, {}).card);
    return announceList(ctx, tx, held);
  });
  for (const p of peers) kick(p);
}
