import { createMemoryStore } from '../src/testing/memory-store.ts';
import { storeCompliance } from '../testing/store-compliance.ts';

storeCompliance('memory', () => ({ open: () => createMemoryStore() }));
