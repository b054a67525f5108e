import type { Transport } from '../src/ports/transport.ts';
import { createMemoryNetwork } from '../src/testing/memory-transport.ts';
import { transportCompliance } from '../testing/transport-compliance.ts';

transportCompliance('memory', () => {
  const network = createMemoryNetwork();
  const made: Transport[] = [];
  let next = 0;
  return {
    create: async (count) => {
      for (let i = 0; i < count; i++) made.push(network.createTransport(`peer-${next++}`));
      return made.slice(-count);
    },
    cleanup: async () => {
      await Promise.all(made.map((t) => t.stop()));
    },
  };
});
