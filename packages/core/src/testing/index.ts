/**
 * In-memory Store and Transport for tests and benchmarks (`@parley/core/testing`). Imports ports.
 */

export { createMemoryMailStore } from './memory-mail-store.ts';
export { createMemoryStore } from './memory-store.ts';
export { createMemoryNetwork, type MemoryNetwork } from './memory-transport.ts';
