export { createMemoryNetwork, type MemoryNetwork } from './memory-transport.ts';
export * from './transport.ts';
