/**
 * `pnpm bench:net`: /parley/msg against a bare lpStream echo on the same
 * libp2p connection and against raw TCP (node:net), in one process, one run;
 * then /parley/file (one FILE_BENCH_BYTES transfer, chunks generated on the
 * fly) against a bare libp2p stream pumping 64 KiB writes on the same
 * connection, with the process's peak RSS growth during the file transfer.
 * Prints ONE JSON object on stdout; progress goes to stderr.
 */
import { createConnection, createServer, type Socket } from 'node:net';
import { lpStream } from '@libp2p/utils';
import {
  createLibp2pTransport,
  createParleyNode,
  generatePeerKey,
  type ParleyTransport,
  WRITE_BATCH_MAX_BYTES,
} from '../src/index.ts';

const progress = (msg: string): void => {
  process.stderr.write(`bench:net ${msg}\n`);
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function summarize(samples: number[]): { p50_ms: number; p99_ms: number } {
  const sorted = [...samples].sort((x, y) => x - y);
  return { p50_ms: round(percentile(sorted, 50), 4), p99_ms: round(percentile(sorted, 99), 4) };
}

const round = (v: number, digits = 1): number => Number(v.toFixed(digits));

async function startPair(): Promise<[ParleyTransport, ParleyTransport]> {
  const make = async () =>
    createLibp2pTransport(
      await createParleyNode({
        privateKey: generatePeerKey(),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: false,
        inboundConnectionsPerIpPerSecond: 100,
      }),
    );
  const a = await make();
  const b = await make();
  a.setAdmission((p) => p === b.peerId);
  b.setAdmission((p) => p === a.peerId);
  await a.connect(b.peerId, { addresses: b.addresses() });
  return [a, b];
}

/** Frames/s one way with frames queued (the sender does not await each frame). */
async function msgOneWay(
  a: ParleyTransport,
  b: ParleyTransport,
  size: number,
  count: number,
): Promise<number> {
  let got = 0;
  let allReceived: () => void = () => undefined;
  const all = new Promise<void>((r) => {
    allReceived = r;
  });
  const off = b.onFrame(() => {
    if (++got === count) allReceived();
  });
  const frame = new Uint8Array(size).fill(1);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const sent = a.send(b.peerId, frame);
    if ((i & 511) === 511) await sent;
  }
  await all;
  const seconds = (performance.now() - start) / 1000;
  off();
  return count / seconds;
}

/** Round trips: a sends, b's handler echoes with send(), a awaits the echo. */
async function msgRtt(
  a: ParleyTransport,
  b: ParleyTransport,
  size: number,
  rounds: number,
): Promise<number[]> {
  const offB = b.onFrame((f) => b.send(a.peerId, f.data));
  let waiter: (() => void) | null = null;
  const offA = a.onFrame(() => waiter?.());
  const frame = new Uint8Array(size).fill(2);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const back = new Promise<void>((r) => {
      waiter = r;
    });
    const t = performance.now();
    await a.send(b.peerId, frame);
    await back;
    samples.push(performance.now() - t);
  }
  offA();
  offB();
  return samples.slice(Math.floor(rounds / 10)); // drop warm-up
}

async function bareLibp2p(a: ParleyTransport, b: ParleyTransport) {
  await b.node.handle(
    '/bench/echo/1.0.0',
    async (stream) => {
      const lp = lpStream(stream, { maxDataLength: 1024 * 1024 });
      try {
        for (;;) await lp.write(await lp.read());
      } catch {
        await stream.close().catch(() => undefined); // the client closed: release the stream
      }
    },
    { maxInboundStreams: 1024 },
  );
  let sunk = 0;
  await b.node.handle('/bench/sink/1.0.0', async (stream) => {
    const lp = lpStream(stream, { maxDataLength: 1024 * 1024 });
    try {
      for (;;) {
        await lp.read();
        sunk++;
      }
    } catch {
      // closed
    }
  });
  const connection = a.node.getConnections(b.node.peerId)[0];
  if (!connection) throw new Error('no connection');
  const echo = lpStream(await connection.newStream('/bench/echo/1.0.0'));
  const rtt = async (size: number, rounds: number) => {
    const frame = new Uint8Array(size).fill(3);
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      await echo.write(frame);
      await echo.read();
      samples.push(performance.now() - t);
    }
    return samples.slice(Math.floor(rounds / 10));
  };
  /** A stream per burst: open a stream, one echo round trip, close (vs `rtt` on a reused stream). */
  const streamPerBurstRtt = async (rounds: number) => {
    const frame = new Uint8Array(256).fill(5);
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      const stream = await connection.newStream('/bench/echo/1.0.0');
      const lp = lpStream(stream);
      await lp.write(frame);
      await lp.read();
      samples.push(performance.now() - t);
      await stream.close();
    }
    return samples.slice(Math.floor(rounds / 10));
  };
  const sink = lpStream(await connection.newStream('/bench/sink/1.0.0'));
  const oneWay = async (size: number, count: number, perWrite: number) => {
    const frame = new Uint8Array(size).fill(4);
    const batch = Array.from({ length: perWrite }, () => frame);
    sunk = 0;
    const start = performance.now();
    for (let i = 0; i < count; i += perWrite) {
      if (perWrite === 1) await sink.write(frame);
      else await sink.writeV(batch);
    }
    while (sunk < count) await new Promise((r) => setImmediate(r));
    return count / ((performance.now() - start) / 1000);
  };
  return { rtt, oneWay, streamPerBurstRtt };
}

/** Raw TCP on loopback with a 4-byte length prefix: echo RTT and one-way rate. */
async function rawTcp(size: number, count: number, rounds: number) {
  const server = createServer((socket) => {
    socket.on('data', (d) => {
      if (d[0] === 0x45)
        socket.write(d); // 'E': echo mode (frames small enough to arrive whole here)
      else sunk += d.length;
    });
  });
  let sunk = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const socket: Socket = createConnection(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', r));
  socket.setNoDelay(true);
  const samples: number[] = [];
  const echoFrame = new Uint8Array(4 + size).fill(0x45);
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    socket.write(echoFrame);
    let need = echoFrame.length;
    await new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        need -= d.length;
        if (need <= 0) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
    });
    samples.push(performance.now() - t);
  }
  const rate = async (frameSize: number, n: number) => {
    const frame = new Uint8Array(4 + frameSize).fill(0x53);
    sunk = 0;
    const start = performance.now();
    for (let i = 0; i < n; i++) {
      if (!socket.write(frame)) await new Promise((r) => socket.once('drain', r));
    }
    while (sunk < n * frame.length) await new Promise((r) => setImmediate(r));
    return n / ((performance.now() - start) / 1000);
  };
  const msgsPerSec = await rate(size, count);
  const bigPerSec = await rate(64 * 1024, 4000);
  socket.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return { rtt: samples.slice(Math.floor(rounds / 10)), msgsPerSec, mbPerSec: (bigPerSec * 64 * 1024) / 1e6 };
}

/** 1 GiB: takes well under 60 s here (about 5 s per direction at 200+ MB/s). */
const FILE_BENCH_BYTES = 1024 * 1024 * 1024;
const FILE_BENCH_CHUNK = 65_552; // one sealed 64 KiB chunk + tag, as core sends them

/** Bytes/s of a bare libp2p stream on the existing connection: 64 KiB writes, awaiting drain. */
async function bareStreamThroughput(a: ParleyTransport, b: ParleyTransport, total: number): Promise<number> {
  let received = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => {
    done = r;
  });
  await b.node.unhandle('/bench/raw/1.0.0');
  await b.node.handle(
    '/bench/raw/1.0.0',
    (stream) => {
      stream.addEventListener('message', (evt) => {
        received += evt.data.byteLength;
        if (received >= total) done();
      });
      stream.addEventListener('remoteCloseWrite', () => void stream.close().catch(() => undefined));
    },
    { runOnLimitedConnection: true },
  );
  const connection = a.node.getConnections(b.node.peerId)[0];
  if (!connection) throw new Error('no connection');
  const stream = await connection.newStream('/bench/raw/1.0.0');
  const block = new Uint8Array(64 * 1024).fill(6);
  const start = performance.now();
  // the same write-buffer bound as the file server (WRITE_BATCH_MAX_BYTES); 'drain' fires on any
  // window update, so re-check (stream.onDrain() resolves at once while the buffer is still full)
  const room = () =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        stream.removeEventListener('drain', done);
        stream.removeEventListener('idle', done);
        stream.removeEventListener('close', done);
        resolve();
      };
      stream.addEventListener('drain', done);
      stream.addEventListener('idle', done);
      stream.addEventListener('close', done);
    });
  for (let sent = 0; sent < total && stream.status === 'open'; sent += block.length) {
    stream.send(block);
    while (stream.writableNeedsDrain || stream.writeBufferLength > WRITE_BATCH_MAX_BYTES) await room();
  }
  await all;
  const seconds = (performance.now() - start) / 1000;
  await stream.close();
  return total / seconds;
}

/** One /parley/file transfer of `total` bytes (chunks generated on the fly, no disk); bytes/s and peak RSS growth. */
async function fileThroughput(a: ParleyTransport, b: ParleyTransport, total: number) {
  const chunks = Math.ceil(total / FILE_BENCH_CHUNK);
  const template = new Uint8Array(FILE_BENCH_CHUNK).fill(7);
  b.setFileServer(() =>
    (async function* () {
      for (let i = 0; i < chunks; i++) yield template; // the transport copies what it frames
    })(),
  );
  const rssStart = process.memoryUsage().rss;
  let rssPeak = rssStart;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 50);
  let bytes = 0;
  const start = performance.now();
  try {
    for await (const chunk of a.fetchFile(b.peerId, { fileId: '00'.repeat(16), fromChunk: 0 })) {
      bytes += chunk.length;
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - start) / 1000;
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  if (bytes !== chunks * FILE_BENCH_CHUNK) throw new Error(`file transfer short: ${bytes} bytes`);
  return { bytesPerSec: bytes / seconds, seconds, bytes, rssGrowth: rssPeak - rssStart };
}

async function main(): Promise<void> {
  const [a, b] = await startPair();
  try {
    const result: Record<string, unknown> = {
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
    };
    progress('warm-up');
    await msgOneWay(a, b, 256, 20_000);
    await msgRtt(a, b, 256, 300);
    const parley: Record<string, unknown> = {};
    for (const size of [256, 1024]) {
      progress(`/parley/msg ${size} B one-way`);
      parley[`oneway_msgs_per_s_${size}B`] = Math.round(await msgOneWay(a, b, size, 200_000));
      progress(`/parley/msg ${size} B rtt`);
      parley[`rtt_${size}B`] = summarize(await msgRtt(a, b, size, 3000));
    }
    progress('/parley/msg 64 KiB throughput');
    parley.mb_per_s_64KiB = round(((await msgOneWay(a, b, 64 * 1024, 3000)) * 65536) / 1e6);
    result.parley_msg = parley;

    const bare = await bareLibp2p(a, b);
    const lib: Record<string, unknown> = {};
    for (const size of [256, 1024]) {
      progress(`bare lpStream ${size} B`);
      lib[`rtt_${size}B`] = summarize(await bare.rtt(size, 3000));
      lib[`oneway_msgs_per_s_${size}B_await_each_write`] = Math.round(await bare.oneWay(size, 20_000, 1));
      lib[`oneway_msgs_per_s_${size}B_32_per_write`] = Math.round(await bare.oneWay(size, 200_000, 32));
    }
    progress('stream per burst');
    lib.rtt_256B_new_stream_per_message = summarize(await bare.streamPerBurstRtt(500));
    progress('bare lpStream 64 KiB');
    lib.mb_per_s_64KiB = round(((await bare.oneWay(64 * 1024, 3000, 4)) * 65536) / 1e6);
    result.bare_libp2p_lpstream = lib;

    const tcp: Record<string, unknown> = {};
    for (const size of [256, 1024]) {
      progress(`raw TCP ${size} B`);
      const r = await rawTcp(size, 200_000, 3000);
      tcp[`rtt_${size}B`] = summarize(r.rtt);
      tcp[`oneway_msgs_per_s_${size}B`] = Math.round(r.msgsPerSec);
      tcp.mb_per_s_64KiB = round(r.mbPerSec);
    }
    result.raw_tcp = tcp;

    const p = parley as Record<string, { p50_ms: number }>;
    const l = lib as Record<string, { p50_ms: number }>;
    result.ratios = {
      parley_vs_bare_rtt_p50_256B: round((p.rtt_256B?.p50_ms ?? 0) / (l.rtt_256B?.p50_ms ?? 1), 2),
      parley_vs_bare_rtt_p50_1KiB: round((p.rtt_1024B?.p50_ms ?? 0) / (l.rtt_1024B?.p50_ms ?? 1), 2),
      parley_queued_vs_bare_await_each_256B: round(
        (parley.oneway_msgs_per_s_256B as number) / (lib.oneway_msgs_per_s_256B_await_each_write as number),
        1,
      ),
      parley_vs_raw_tcp_mb_per_s_64KiB: round(
        (parley.mb_per_s_64KiB as number) / (tcp.mb_per_s_64KiB as number),
        2,
      ),
    };
    progress('file warm-up (64 MiB each way of measuring)');
    await bareStreamThroughput(a, b, 64 * 1024 * 1024);
    await fileThroughput(a, b, 64 * 1024 * 1024);
    progress(`bare libp2p stream, ${FILE_BENCH_BYTES / 2 ** 20} MiB in 64 KiB writes`);
    const cpuMs = (since: NodeJS.CpuUsage): number => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    let cpuStart = process.cpuUsage();
    const bareMbPerS = (await bareStreamThroughput(a, b, FILE_BENCH_BYTES)) / 1e6;
    const bareCpuMs = cpuMs(cpuStart);
    progress(`/parley/file, ${FILE_BENCH_BYTES / 2 ** 20} MiB in ${FILE_BENCH_CHUNK}-byte chunks`);
    cpuStart = process.cpuUsage();
    const file = await fileThroughput(a, b, FILE_BENCH_BYTES);
    const fileCpuMs = cpuMs(cpuStart);
    const fileMbPerS = file.bytesPerSec / 1e6;
    const rssGrowthMb = file.rssGrowth / 1e6;
    result.file = {
      transfer_bytes: file.bytes,
      chunk_bytes: FILE_BENCH_CHUNK,
      seconds: round(file.seconds, 2),
      mb_per_s: round(fileMbPerS),
      bare_libp2p_stream_mb_per_s_64KiB_writes: round(bareMbPerS),
      ratio_vs_bare_stream: round(fileMbPerS / bareMbPerS, 2),
      // CPU time of the whole process (both nodes) for the same bytes: robust on a shared machine
      cpu_ms: round(fileCpuMs, 0),
      bare_libp2p_stream_cpu_ms: round(bareCpuMs, 0),
      ratio_vs_bare_stream_by_cpu: round(bareCpuMs / fileCpuMs, 2),
      peak_rss_growth_mb: round(rssGrowthMb),
    };
    result.targets = {
      oneway_256B_at_least_100k: (parley.oneway_msgs_per_s_256B as number) >= 100_000,
      rtt_p50_within_1_3x_bare: (result.ratios as Record<string, number>).parley_vs_bare_rtt_p50_256B! <= 1.3,
      file_at_least_0_7x_bare_stream: fileMbPerS / bareMbPerS >= 0.7,
      file_peak_rss_growth_at_most_100MB: rssGrowthMb <= 100,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await a.stop();
    await b.stop();
  }
}

await main();
