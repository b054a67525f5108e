/**
 * Regenerate the golden vectors of SPEC.md's clarifying revision:
 * session-state-v1.json, sender-key-state-v1.json and safety-number-v1.json
 * (`node test/vectors/generate-clarified.ts` from packages/crypto). Only for a
 * deliberate, versioned format change; session-state.test.ts,
 * sender-key-state.test.ts and safety-number.test.ts compare every byte.
 */
import { writeFileSync } from 'node:fs';
import { noblePrimitives } from '../../src/index.ts';
import { runSafetyNumber } from './safety-number.ts';
import { runSenderKeyState } from './sender-key-state.ts';
import { runSessionState } from './session-state.ts';

const write = (name: string, value: unknown) =>
  writeFileSync(new URL(`./${name}`, import.meta.url), `${JSON.stringify(value, null, 2)}\n`);
write('session-state-v1.json', runSessionState(noblePrimitives));
write('sender-key-state-v1.json', runSenderKeyState(noblePrimitives));
write('safety-number-v1.json', runSafetyNumber(noblePrimitives));
process.stderr.write('wrote session-state-v1.json, sender-key-state-v1.json, safety-number-v1.json\n');
