#!/usr/bin/env node
// The `parley` command. Runs the TypeScript sources directly on Node 24
// (built-in type stripping); see apps/cli/src/main.ts.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `parley needs Node 24 or newer (this is ${process.version}); inside the repo run "pnpm -s parley …", ` +
      'which uses the Node 24 the repo installs.\n',
  );
  process.exit(1);
}

// A closed pipe (parley … | head) is not an error: stop quietly.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const { main } = await import('../src/main.ts');
const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stdin: process.stdin,
  stdinIsTTY: process.stdin.isTTY === true,
  stdoutIsTTY: process.stdout.isTTY === true,
});
process.exitCode = code;
// Long-lived handles of a finished client command (sockets) must not keep it alive.
if (!['daemon', 'relay', 'chat'].some((c) => process.argv.includes(c)))
  setTimeout(() => process.exit(code), 50).unref();
