import { transportCompliance } from '@parley/core/testing';
import { Cleanup, startTransport } from './helpers.ts';

transportCompliance('libp2p (@parley/net)', () => {
  const cleanup = new Cleanup();
  return {
    async create(count) {
      return Promise.all(Array.from({ length: count }, () => startTransport(cleanup)));
    },
    cleanup: () => cleanup.run(),
  };
});
