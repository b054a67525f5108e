/** Golden transcript: a wire-format change cannot slip by (test/vectors/README.md). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backends } from './helpers.ts';
import { runConversation, type Transcript } from './vectors/conversation.ts';

const golden: Transcript = JSON.parse(
  readFileSync(new URL('./vectors/transcript-v1.json', import.meta.url), 'utf8'),
);

describe.each(backends)('transcript-v1 (%s)', (_name, p) => {
  it('re-running the seeded conversation reproduces every byte', () => {
    expect(JSON.parse(JSON.stringify(runConversation(p)))).toEqual(golden);
  });

  it('the stored ciphertexts decrypt to the stored plaintexts', () => {
    const replay = runConversation(
      p,
      golden.messages.map((m) => m.bytes),
    );
    expect(replay.finalSessions).toEqual(golden.finalSessions);
  });
});
