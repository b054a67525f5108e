// `@parley/core/testing`: the compliance suites every implementation of a core interface must pass,
// and test accounts for tests and benchmarks.
export * from './accounts.ts';
export * from './seeded.ts';
export * from './store-compliance.ts';
export * from './transport-compliance.ts';
