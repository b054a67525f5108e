/** An in-memory MailStore for tests (the SQLite one is `openMailStore` in @parley/store). */
import type { MailItem, MailQueue, MailStore, MailUsage } from '../ports/index.ts';

export function createMemoryMailStore(): MailStore {
  const meta = new Map<string, Uint8Array>();
  const queues = new Map<string, MailQueue>();
  const items = new Map<number, MailItem>();
  let next = 1;
  const sum = (list: Iterable<MailItem>): MailUsage => {
    let n = 0;
    let bytes = 0;
    for (const i of list) {
      n++;
      bytes += i.envelope.length;
    }
    return { items: n, bytes };
  };
  const dropQueue = (id: string): void => {
    queues.delete(id);
    for (const [n, i] of items) if (i.queue === id) items.delete(n);
  };
  const find = (pred: (q: MailQueue) => boolean): MailQueue | undefined => [...queues.values()].find(pred);
  return {
    getMeta: (key) => meta.get(key)?.slice(),
    setMeta: (key, value) => void meta.set(key, value.slice()),
    putQueue: (q) => {
      // One queue per owner: an older one of the same owner goes, with its mail (as in SQLite).
      for (const [id, old] of queues) if (old.owner === q.owner && id !== q.id) dropQueue(id);
      queues.set(q.id, { ...q });
    },
    getQueue: (id) => queues.get(id),
    getQueueByOwner: (owner) => find((q) => q.owner === owner),
    getQueueByToken: (hash) => find((q) => q.tokenHash === hash),
    listQueues: () => [...queues.values()],
    deleteQueue: (id) => dropQueue(id),
    usage: (queue, depositor) =>
      sum(
        [...items.values()].filter(
          (i) => i.queue === queue && (depositor === undefined || i.depositor === depositor),
        ),
      ),
    addItem: (item) => {
      const id = next++;
      items.set(id, { ...item, id, envelope: item.envelope.slice() });
      return id;
    },
    listItems: (queue, after, limit) =>
      [...items.values()].filter((i) => i.queue === queue && i.id > after).slice(0, limit),
    deleteItems: (queue, ids) => {
      let n = 0;
      for (const id of new Set(ids)) if (items.get(id)?.queue === queue && items.delete(id)) n++;
      return n;
    },
    expire: (before) => {
      let n = 0;
      for (const [id, i] of items) if (i.receivedAt < before && items.delete(id)) n++;
      return n;
    },
    totals: () => ({ ...sum(items.values()), queues: queues.size }),
    close: () => undefined,
  };
}
