/**
 * The reference the file benchmarks compare with: one raw libp2p stream between two in-process
 * `@parley/net` nodes on loopback, 64 KiB writes under the file server's write-buffer bound (as
 * packages/net/bench/run.ts measures "bare stream"). bench:files and bench:devices.
 */
import {
  createParleyTransport,
  generatePeerKey,
  type ParleyTransport,
  WRITE_BATCH_MAX_BYTES,
} from '@parley/net';

/** Bytes/s of one raw libp2p stream between two in-process nodes: 64 KiB writes for `seconds`. */
export async function bareStream(seconds: number): Promise<number> {
  const make = async (): Promise<ParleyTransport> =>
    createParleyTransport({
      privateKey: generatePeerKey(),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      inboundConnectionsPerIpPerSecond: 100,
    });
  const a = await make();
  const b = await make();
  try {
    a.setAdmission((p) => p === b.peerId);
    b.setAdmission((p) => p === a.peerId);
    await a.connect(b.peerId, { addresses: b.addresses() });
    let received = 0;
    await b.node.handle(
      '/bench/raw/1.0.0',
      (stream) => {
        stream.addEventListener('message', (evt) => {
          received += evt.data.byteLength;
        });
        stream.addEventListener('remoteCloseWrite', () => void stream.close().catch(() => undefined));
      },
      { runOnLimitedConnection: true },
    );
    const connection = a.node.getConnections(b.node.peerId)[0];
    if (!connection) throw new Error('no connection');
    const stream = await connection.newStream('/bench/raw/1.0.0');
    const block = new Uint8Array(64 * 1024).fill(6);
    // the same write-buffer bound as the file server; 'drain' fires on any window update, so re-check
    const room = () =>
      new Promise<void>((done) => {
        const fire = (): void => {
          stream.removeEventListener('drain', fire);
          stream.removeEventListener('idle', fire);
          stream.removeEventListener('close', fire);
          done();
        };
        stream.addEventListener('drain', fire);
        stream.addEventListener('idle', fire);
        stream.addEventListener('close', fire);
      });
    const start = performance.now();
    const end = start + seconds * 1000;
    let sent = 0;
    while (performance.now() < end && stream.status === 'open') {
      stream.send(block);
      sent += block.length;
      while (stream.writableNeedsDrain || stream.writeBufferLength > WRITE_BATCH_MAX_BYTES) await room();
    }
    while (received < sent) await new Promise((r) => setTimeout(r, 1));
    const elapsed = (performance.now() - start) / 1000;
    await stream.close();
    return received / elapsed;
  } finally {
    await a.stop();
    await b.stop();
  }
}
