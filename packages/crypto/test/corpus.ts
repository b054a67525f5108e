/**
 * Committed fast-check seed corpus (test/corpus/seeds.json), replayed on every
 * run before a fresh random run. When a fresh run fails, fast-check prints its
 * seed: add it to seeds.json under the property's name so it is replayed forever.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';

interface Corpus {
  readonly properties: Readonly<Record<string, readonly number[]>>;
  readonly decoderInputs: readonly string[];
}

const corpus: Corpus = JSON.parse(readFileSync(new URL('./corpus/seeds.json', import.meta.url), 'utf8'));

/** Replay every committed seed of `name`, then one fresh run of `numRuns`. */
export function assertProperty(name: string, property: fc.IProperty<unknown>, numRuns: number): void {
  const seeds = corpus.properties[name];
  if (!seeds) throw new Error(`no committed seeds for property "${name}" in test/corpus/seeds.json`);
  for (const seed of seeds) fc.assert(property, { seed, numRuns });
  fc.assert(property, { numRuns });
}

/** Hand-picked decoder inputs (hex) replayed through every decoder. */
export function decoderInputs(): Uint8Array[] {
  return corpus.decoderInputs.map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
}
