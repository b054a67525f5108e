/** JSON-RPC methods for mailboxes (docs/API.md "Mailboxes"): a thin layer over the Messenger's. */
import type { Messenger } from '@parley/core';
import { handlers, type Method } from './rpc-methods.ts';

export function mailboxMethods(m: Messenger): Record<string, Method> {
  return handlers({
    'mailboxes.list': () => m.listMailboxes(),
    'mailboxes.add': (p) => m.addMailbox(p.link),
    'mailboxes.remove': async (p) => {
      const id = m.listMailboxes().find((b) => b.id === p.id || b.id.startsWith(p.id))?.id ?? p.id;
      await m.removeMailbox(p.id);
      return { removed: id };
    },
    'mailboxes.drain': () => m.drainMailboxes(),
    'mailboxes.offer': (p) => m.offerMailbox(p.contact),
    'mailboxes.revoke': (p) => m.revokeMailbox(p.contact),
    'mailboxes.accept': (p) => m.acceptMailbox(p.contact),
    'mailboxes.offers': () => m.mailboxOffers(),
  });
}

/** JSON-RPC methods for this account's devices (docs/API.md "Devices"). */
export function deviceMethods(m: Messenger): Record<string, Method> {
  return handlers({
    'devices.list': () => m.devices(),
    'devices.link': () => m.createDeviceLink(),
    'devices.remove': (p) => m.removeDevice(p.id),
  });
}
