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

// The daemon runs with V8's gc() exposed: its file store asks for a young-generation collection
// every few MiB of file I/O (apps/cli/src/daemon/file-blobs.ts), which frees the many dead 64 KiB
// buffers of a transfer at once instead of letting them pile up until a full collection (1 GiB
// took ~100 MB more memory and a third of the CPU in GC without it; docs/PERFORMANCE.md). Same
// process (execve), so its PID is the daemon's. PARLEY_V8_DEFAULTS=1 skips it.
const DAEMON_FLAG = '--expose-gc';
if (
  process.argv.slice(2).includes('daemon') &&
  !process.execArgv.includes(DAEMON_FLAG) &&
  process.env.PARLEY_V8_DEFAULTS !== '1' &&
  typeof process.execve === 'function'
) {
  process.execve(
    process.execPath,
    [process.execPath, DAEMON_FLAG, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
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
