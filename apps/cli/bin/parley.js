#!/usr/bin/env node
// The `parley` command. Runs the TypeScript sources directly on Node 24
// (built-in type stripping); see apps/cli/src/main.ts.
import { main } from '../src/main.ts';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
