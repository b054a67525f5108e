// `@parley/core/testing`: the compliance suites every implementation of a core interface must pass.
export * from './store-compliance.ts';
export * from './transport-compliance.ts';
