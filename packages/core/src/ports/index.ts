/**
 * The ports: the Store, Transport and BlobStore interfaces that @parley/store and @parley/net
 * implement. Imports base only.
 */
export { type BlobStore, createMemoryBlobStore } from './blob-store.ts';
export type { MailItem, MailQueue, MailStore, MailUsage } from './mail-store.ts';
export * from './store.ts';
export * from './transport.ts';
