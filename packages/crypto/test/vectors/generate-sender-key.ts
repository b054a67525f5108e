/**
 * Regenerate sender-key-v2.json: `node test/vectors/generate-sender-key.ts` (from packages/crypto).
 * Only do this for a deliberate, versioned wire-format change; sender-key.test.ts
 * compares every byte against the committed file.
 */
import { writeFileSync } from 'node:fs';
import { noblePrimitives } from '../../src/index.ts';
import { runSenderKeyGroup } from './sender-key-group.ts';

const vectors = runSenderKeyGroup(noblePrimitives);
writeFileSync(new URL('./sender-key-v2.json', import.meta.url), `${JSON.stringify(vectors, null, 2)}\n`);
process.stderr.write(`wrote ${vectors.messages.length} sender-key messages\n`);
