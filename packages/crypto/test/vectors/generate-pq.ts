/**
 * Regenerate transcript-v2.json: `node test/vectors/generate-pq.ts` (from packages/crypto).
 * Only for a deliberate, versioned change of suite 2; transcript.test.ts compares every byte.
 */
import { writeFileSync } from 'node:fs';
import { noblePrimitives } from '../../src/index.ts';
import { runConversationPq } from './conversation-pq.ts';

const transcript = runConversationPq(noblePrimitives);
writeFileSync(new URL('./transcript-v2.json', import.meta.url), `${JSON.stringify(transcript, null, 2)}\n`);
process.stderr.write(`wrote ${transcript.messages.length} messages\n`);
