/** The raw libsodium Emscripten module (`libsodium` on npm ships no types): a factory per instance. */
declare module 'libsodium' {
  const factory: (options?: { readonly getRandomValue?: () => number }) => Promise<unknown>;
  export default factory;
}
