/**
 * The suite-2 golden vectors against an independent implementation (issue 21): a Python checker
 * written from SPEC.md and the vectors' README alone (test/vectors/independent/, its own ML-KEM-768
 * from FIPS 203) recomputes transcript-v2.json, safety-number-v1.json and session-state-v1.json
 * byte for byte. Runs where Python 3 with `cryptography` is installed (it is on the CI machine);
 * elsewhere it is skipped, saying why.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const checker = fileURLToPath(new URL('./vectors/independent/check_transcript_v2.py', import.meta.url));
const python = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' });
const available = python.status === 0;

describe('independent check of the suite-2 vectors', () => {
  it.skipIf(!available)('reproduces every byte field of the vectors from the spec alone', () => {
    const run = spawnSync('python3', [checker], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr).toBe('');
    expect(run.status, run.stdout.slice(-2000)).toBe(0);
    const summary = /reproduced (\d+) of (\d+) checks \((\d+) failed\)/.exec(run.stdout);
    expect(summary?.slice(1)).toEqual(['108', '108', '0']);
  });
  if (!available) it.skip(`needs python3 with cryptography (${python.stderr.trim() || 'python3 not found'})`);
});
