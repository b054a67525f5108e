/**
 * Regenerate transcript-v1.json: `node test/vectors/generate.ts` (from packages/crypto).
 * Only do this for a deliberate, versioned wire-format change; the test
 * transcript.test.ts compares every byte against the committed file.
 */
import { writeFileSync } from 'node:fs';
import { noblePrimitives } from '../../src/index.ts';
import { runConversation } from './conversation.ts';

const transcript = runConversation(noblePrimitives);
writeFileSync(new URL('./transcript-v1.json', import.meta.url), `${JSON.stringify(transcript, null, 2)}\n`);
process.stderr.write(`wrote ${transcript.messages.length} messages\n`);
