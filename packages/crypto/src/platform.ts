/**
 * The few Web-platform globals this package uses, typed here so src compiles
 * with no DOM or Node types (DESIGN.md §3: crypto runs in browsers too). All
 * exist in browsers and in Node ≥ 19 without imports.
 * @module
 */

interface PlatformGlobals {
  readonly crypto: { getRandomValues(array: Uint8Array): Uint8Array };
  readonly TextEncoder: new () => { encode(input: string): Uint8Array };
  readonly TextDecoder: new (
    label: string,
    options: { fatal: boolean },
  ) => { decode(input: Uint8Array): string };
}

/** globalThis with the Web Crypto / Encoding API members typed. */
export const platform: PlatformGlobals = globalThis as unknown as PlatformGlobals;
