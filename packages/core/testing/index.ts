// `@parley/core/testing`: the compliance suites every implementation of a core interface must pass,
// test accounts for tests and benchmarks, and the in-memory Store, Transport and BlobStore (still
// exported from `@parley/core` too, for now).
export { createMemoryBlobStore } from '../src/ports/index.ts';
export * from '../src/testing/index.ts';
export * from './accounts.ts';
export * from './seeded.ts';
export * from './store-compliance.ts';
export * from './transport-compliance.ts';
