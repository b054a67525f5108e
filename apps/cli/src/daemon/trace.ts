/**
 * Transport tracing, a DIAGNOSTIC KNOB: inert unless the environment variable
 * `PARLEY_TRACE` is `1`. Then the daemon logs (to stderr) one line per frame it
 * sends or receives and per peer event: the frame's type and size, short
 * digests, the peer, how long a send took and how it ended. Never content:
 * frames are ciphertext, and only their version and type bytes (and the
 * digests an ACK or REJECT names) are read. The multi-process tests turn it
 * on, so that a failure comes with the story of what went over the wire.
 *
 *   PARLEY_TRACE=1 parley daemon …
 */
import { createHash } from 'node:crypto';
import type { Transport } from '@parley/core';
import { shortPeerId as short } from './log-redaction.ts';

const TYPES = ['?', 'msg', 'ack', 'reject', 'group', 'hello'] as const;
const DIGEST_BYTES = 16;

export interface Tracer {
  readonly active: boolean;
  wrapTransport<T extends Transport>(transport: T): T;
  /** Logs a line (with the trace clock) if tracing is on. */
  note(line: string): void;
}

/** Reads `PARLEY_TRACE`; inert when it is not `1`. */
export function tracerFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): Tracer {
  return createTracer(env.PARLEY_TRACE === '1', log);
}

export function createTracer(active: boolean, log: (line: string) => void): Tracer {
  const started = performance.now();
  const note = (line: string): void => {
    if (active) log(`trace +${((performance.now() - started) / 1000).toFixed(3)}s ${line}`);
  };
  /** Runs `run`, then logs `what`, how it ended and how long it took. */
  const timed = async <R>(
    what: string,
    run: () => Promise<R>,
    outcome: (result: R) => string,
  ): Promise<R> => {
    const at = performance.now();
    try {
      const result = await run();
      note(`${what} ${outcome(result)} in ${ms(at)}`);
      return result;
    } catch (error) {
      note(`${what} FAILED in ${ms(at)}: ${String(error)}`);
      throw error;
    }
  };
  const wrapTransport = <T extends Transport>(transport: T): T => {
    if (!active) return transport;
    const send: Transport['send'] = (peer, frame, options) =>
      timed(
        `send ${describe(frame)} → ${short(peer)}`,
        () => transport.send(peer, frame, options),
        () => 'written',
      );
    const introduce: Transport['introduce'] = (peer, frame, options) =>
      timed(
        `introduce → ${short(peer)}`,
        () => transport.introduce(peer, frame, options),
        (accepted) => (accepted ? 'accepted' : 'refused'),
      );
    const connect: Transport['connect'] = (peer, options) =>
      timed(
        `connect → ${short(peer)}`,
        () => transport.connect(peer, options),
        () => 'ok',
      );
    const onFrame: Transport['onFrame'] = (handler) =>
      transport.onFrame((frame) => {
        note(`recv ${describe(frame.data)} ← ${short(frame.from)}`);
        return handler(frame);
      });
    // one line per peer event, however many parts of the messenger listen
    transport.onPeer((event) => note(`peer ${short(event.peer)} ${event.type}`));
    return { ...transport, send, introduce, connect, onFrame };
  };
  return { active, wrapTransport, note };
}

/** "msg 1093B d=ab12cd34", "ack [ab12cd34 ef56…]": type, size, digests (8 hex digits each). */
function describe(frame: Uint8Array): string {
  const type = frame.length >= 2 && frame[0] === 1 ? (TYPES[frame[1] as number] ?? '?') : '?';
  const size = `${frame.length}B`;
  if (type === 'msg' || type === 'group') {
    // the digest that names this frame in ACK/REJECT (first bytes of its SHA-256)
    const digest = createHash('sha256').update(frame).digest('hex').slice(0, 8);
    return `${type} ${size} d=${digest}`;
  }
  if (type === 'ack') {
    const digests: string[] = [];
    for (let i = 3; i + DIGEST_BYTES <= frame.length; i += DIGEST_BYTES)
      digests.push(Buffer.from(frame.subarray(i, i + 4)).toString('hex'));
    return `ack [${digests.join(' ')}]`;
  }
  if (type === 'reject') return `reject d=${Buffer.from(frame.subarray(2, 6)).toString('hex')}`;
  return `${type} ${size}`;
}

const ms = (since: number): string => `${(performance.now() - since).toFixed(1)}ms`;
