/**
 * `pnpm --filter @parley/crypto run bench:interleaved`: suite 1 and suite 2 (native backend,
 * 1 KiB, system CSPRNG) measured in alternating 150 ms windows, ROUNDS times (default 10), each
 * figure the best window. On a shared, loaded machine a 2 s run of `bench:crypto` can land in a
 * burst of someone else's load; alternating windows put both suites under the same conditions and
 * the best window approximates the unloaded rate, so the suite-2/suite-1 ratios are steadier.
 * Prints one JSON object; every figure names its `suite` and `pq`.
 */
import { nodePrimitives as p, wasmAeadReady } from '../src/node/index.ts';
import { parleyLoops } from './loops.ts';

await wasmAeadReady(); // the AEAD in WebAssembly, as a long-running daemon has it

const WINDOW_MS = 150;
const rounds = Number(process.env.ROUNDS ?? 10);
const suites = { 1: parleyLoops(p, 1), 2: parleyLoops(p, 2) } as const;
const figures = [
  'oneWayMsgsPerSec',
  'oneWayEstablishedMsgsPerSec',
  'pingPongMsgsPerSec',
  'sessionSetupsPerSec',
] as const;
const best = { 1: {} as Record<string, number>, 2: {} as Record<string, number> };
for (let round = 0; round < rounds; round++) {
  for (const f of figures) {
    for (const s of [1, 2] as const) {
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < WINDOW_MS) n += suites[s][f]();
      best[s][f] = Math.max(best[s][f] ?? 0, (n * 1000) / (performance.now() - t0));
    }
  }
}
const round = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));
const ratio = (f: (typeof figures)[number]) => Math.round((best[2][f]! / best[1][f]!) * 100) / 100;
process.stdout.write(
  `${JSON.stringify({
    rounds,
    windowMs: WINDOW_MS,
    native: { suite: 1, pq: false, ...round(best[1]) },
    nativeSuite2: { suite: 2, pq: true, ...round(best[2]) },
    nativeSuite2VsSuite1: {
      suite: 2,
      pq: true,
      oneWay: ratio('oneWayMsgsPerSec'),
      oneWayEstablished: ratio('oneWayEstablishedMsgsPerSec'),
      pingPong: ratio('pingPongMsgsPerSec'),
      sessionSetup: ratio('sessionSetupsPerSec'),
    },
  })}\n`,
);
