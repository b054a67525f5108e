/**
 * Fault injection for the durability tests (test/durability). A TESTING KNOB:
 * inert unless the environment variable `PARLEY_FAULTS` holds a JSON object;
 * when it is unset (every real installation) `wrapStore`/`wrapTransport`
 * return their argument untouched.
 *
 *   PARLEY_FAULTS='{"dropAckRatio":0.5}' parley daemon …
 *
 * Knobs (all optional):
 * - `dropAckRatio` (0..1): outbound ACK frames (core frame type 2) are
 *   silently dropped with that probability (`send` still resolves).
 * - `corruptMsgNth` (n ≥ 1): the n-th distinct outbound MSG frame (type 1) has
 *   its last byte (inside the ciphertext/tag) flipped on EVERY send of it,
 *   retries included: a poison message for the receiver. Inbound ACK/REJECT
 *   frames naming the corrupted frame's digest are mapped back to the
 *   original's digest, as if the poison ciphertext itself sat in our outbox.
 * - `replayAfterMs` (ms): every outbound MSG frame is sent again, identical,
 *   this long after it was first sent (old ciphertexts replayed).
 * - `storeFailAfterWrites` (n): after n committed write transactions, every
 *   transaction that tries to write throws (a simulated full disk) and is
 *   rolled back; read-only transactions still work.
 * - `corruptFileChunkOnce` (n ≥ 1): the n-th file chunk this daemon serves on
 *   `/parley/file` (counted across all requests, from 1) has its last byte
 *   (inside the chunk's tag) flipped, once: a transient in-transit corruption
 *   the requester must reject and re-fetch. The blob on disk is untouched.
 * - `holdMsgFrom`, `holdMsgCount`, `holdMsgUntil` (n ≥ 1, k ≥ 1, m ≥ n + k): the
 *   n-th … (n+k−1)-th distinct outbound MSG frames are swallowed on their first send (`send`
 *   resolves, as if they were written to a connection that then died) and sent, in order, right
 *   after the first send of the m-th: the receiver gets a run of k frames after their successors,
 *   as it does when a resend is overtaken after a reconnect (D4).
 * - `seed` (integer): seeds the ACK-dropping coin, for reproducible runs.
 * - `killOnLinkApproved` (true): this daemon kills itself (SIGKILL) right after it approved a new
 *   device's link request — the device list naming the new device committed and told — and before
 *   the answer carrying its grant goes out: the approving device dies mid-link.
 * - `killAtPassphraseStep` ("temp-written" | "renamed" | "key-file"): a passphrase change
 *   (`account.changePassphrase`) kills this process with SIGKILL at that step: the new vault
 *   header written beside the old one; renamed over it; about to delete the old key file.
 * - `plainDatabase` (true): bench:core's baseline for the cost of page encryption: an account
 *   created with it keeps a plain SQLite database, and a daemon started with it does not
 *   encrypt one. Any later start without it encrypts the database, as for an old account.
 *
 * The wrappers sit between core and its Transport/Store, so core, net and
 * store stay untouched. Each active fault is logged once at start.
 */
import { createHash } from 'node:crypto';
import type { Store, StoreTx, TransactionOptions, Transport } from '@parley/core';
import type { HeaderWriteStep } from '@parley/store';

/** Where a change of passphrase stands: the vault header's steps, then the old key file's removal. */
export type PassphraseChangeStep = HeaderWriteStep | 'key-file';

export interface FaultConfig {
  readonly dropAckRatio?: number;
  readonly corruptMsgNth?: number;
  readonly replayAfterMs?: number;
  readonly storeFailAfterWrites?: number;
  readonly corruptFileChunkOnce?: number;
  readonly holdMsgFrom?: number;
  readonly holdMsgCount?: number;
  readonly holdMsgUntil?: number;
  readonly seed?: number;
  readonly plainDatabase?: boolean;
  readonly killAtPassphraseStep?: PassphraseChangeStep;
  readonly killOnLinkApproved?: boolean;
}

export interface Faults {
  readonly active: boolean;
  readonly config: FaultConfig;
  wrapStore<S extends Store>(store: S): S;
  wrapTransport<T extends Transport>(transport: T): T;
  /** A step of a passphrase change: kill -9 here if `killAtPassphraseStep` names it. */
  passphraseStep(step: PassphraseChangeStep): void;
}

/** The error a "full disk" transaction throws (shaped like the SQLite driver's). */
export class SimulatedDiskFullError extends Error {
  readonly code = 'SQLITE_FULL';
  constructor() {
    super('database or disk is full (simulated by PARLEY_FAULTS)');
    this.name = 'SimulatedDiskFullError';
  }
}

const FRAME_VERSION = 1;
const TYPE_MSG = 1;
const TYPE_ACK = 2;
const TYPE_REJECT = 3;

/** StoreTx methods that only read; every other method is treated as a write. */
const READ_METHOD = /^(get|list|count|has|max)/;

/** Reads `PARLEY_FAULTS`; inert (identity wrappers) when unset or empty. */
export function faultsFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void = () => {}): Faults {
  const raw = env.PARLEY_FAULTS;
  if (raw === undefined || raw.trim() === '') return createFaults({});
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`PARLEY_FAULTS is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error('PARLEY_FAULTS must be a JSON object');
  const faults = createFaults(parsed as FaultConfig, log);
  if (faults.active) log(`FAULT INJECTION ACTIVE (testing only): ${JSON.stringify(faults.config)}`);
  return faults;
}

/** mulberry32: a small seeded PRNG in [0, 1). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function num(config: FaultConfig, key: keyof FaultConfig, min: number, max: number): number | undefined {
  const v = config[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new Error(`PARLEY_FAULTS.${key} must be a number in ${min}..${max}`);
  return v;
}

/** The `holdMsg*` knobs: all three or none. */
function holdRange(config: FaultConfig): { from: number; count: number; until: number } | undefined {
  const from = num(config, 'holdMsgFrom', 1, Number.MAX_SAFE_INTEGER);
  const count = num(config, 'holdMsgCount', 1, Number.MAX_SAFE_INTEGER);
  const until = num(config, 'holdMsgUntil', 1, Number.MAX_SAFE_INTEGER);
  if (from === undefined && count === undefined && until === undefined) return undefined;
  if (from === undefined || count === undefined || until === undefined || until < from + count)
    throw new Error(
      'PARLEY_FAULTS.holdMsgFrom/holdMsgCount/holdMsgUntil go together, with holdMsgUntil ≥ holdMsgFrom + holdMsgCount',
    );
  return { from, count, until };
}

export function createFaults(config: FaultConfig, log: (line: string) => void = () => {}): Faults {
  const dropAckRatio = num(config, 'dropAckRatio', 0, 1);
  const corruptMsgNth = num(config, 'corruptMsgNth', 1, Number.MAX_SAFE_INTEGER);
  const replayAfterMs = num(config, 'replayAfterMs', 0, 3_600_000);
  const storeFailAfterWrites = num(config, 'storeFailAfterWrites', 0, Number.MAX_SAFE_INTEGER);
  const corruptFileChunkOnce = num(config, 'corruptFileChunkOnce', 1, Number.MAX_SAFE_INTEGER);
  const seed = num(config, 'seed', 0, 2 ** 32) ?? Date.now();
  const hold = holdRange(config);
  const killOnLink = config.killOnLinkApproved === true;
  const transportActive =
    killOnLink ||
    (dropAckRatio ?? 0) > 0 ||
    corruptMsgNth !== undefined ||
    replayAfterMs !== undefined ||
    corruptFileChunkOnce !== undefined ||
    hold !== undefined;
  const storeActive = storeFailAfterWrites !== undefined;
  const killAt = killStep(config);
  const random = seededRandom(seed);

  const wrapStore = <S extends Store>(store: S): S => {
    if (!storeActive) return store;
    const budget = storeFailAfterWrites as number;
    let committedWrites = 0;
    let depth = 0;
    let wrote = false;
    const guard = (tx: StoreTx): StoreTx =>
      new Proxy(tx, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver) as unknown;
          if (typeof prop !== 'string' || typeof value !== 'function' || READ_METHOD.test(prop)) return value;
          return (...args: unknown[]) => {
            if (committedWrites >= budget) {
              log(`fault: disk full (${prop} refused after ${committedWrites} write transactions)`);
              throw new SimulatedDiskFullError();
            }
            wrote = true;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    return {
      ...store,
      transaction<T>(fn: (tx: StoreTx) => T, options?: TransactionOptions): T {
        const outer = depth === 0;
        if (outer) wrote = false;
        depth++;
        let result: T;
        try {
          result = store.transaction((tx) => fn(guard(tx)), options);
        } finally {
          depth--;
        }
        if (outer && wrote) committedWrites++;
        return result;
      },
      close: () => store.close(),
    };
  };

  const wrapTransport = <T extends Transport>(transport: T): T => {
    if (!transportActive) return transport;
    const msgIndex = new Map<string, number>();
    /** Frames held back by `holdMsg*`, in the order they were first sent. */
    const held: Uint8Array[] = [];
    /** Digest of a corrupted frame → digest of the original (the one in our outbox). */
    const corruptedDigests = new Map<string, string>();
    const digest16 = (frame: Uint8Array): Uint8Array =>
      createHash('sha256').update(frame).digest().subarray(0, 16);
    const key = (frame: Uint8Array): string => createHash('sha256').update(frame).digest('hex');
    const realSend = transport.send.bind(transport);
    const send: Transport['send'] = async (peer, frame, options) => {
      const isV1 = frame.length >= 2 && frame[0] === FRAME_VERSION;
      if (isV1 && frame[1] === TYPE_ACK && dropAckRatio !== undefined && random() < dropAckRatio) {
        log(`fault: dropped an ACK frame (${frame[2]} digests)`);
        return;
      }
      if (!isV1 || frame[1] !== TYPE_MSG) return realSend(peer, frame, options);
      const k = key(frame);
      let index = msgIndex.get(k);
      const first = index === undefined;
      if (index === undefined) {
        index = msgIndex.size + 1;
        msgIndex.set(k, index);
      }
      let out = frame;
      if (index === corruptMsgNth) {
        out = frame.slice();
        out[out.length - 1] = (out[out.length - 1] as number) ^ 0x01;
        corruptedDigests.set(
          Buffer.from(digest16(out)).toString('hex'),
          Buffer.from(digest16(frame)).toString('hex'),
        );
        log(`fault: corrupted MSG frame #${index}`);
      }
      if (first && replayAfterMs !== undefined) {
        const replay = out.slice();
        const replayed = index;
        const timer = setTimeout(() => {
          log(`fault: replaying MSG frame #${replayed}`);
          realSend(peer, replay).catch(() => undefined);
        }, replayAfterMs);
        timer.unref();
      }
      if (first && hold && index >= hold.from && index < hold.from + hold.count) {
        if (held.push(out.slice()) === 1) log(`fault: holding MSG frames back from #${index}`);
        return;
      }
      const sent = realSend(peer, out, options);
      if (first && hold && index === hold.until) {
        log(`fault: sending ${held.length} held MSG frames after #${index}`);
        for (const frame of held.splice(0)) realSend(peer, frame).catch(() => undefined);
      }
      return sent;
    };
    // The receiver names the corrupted frame by ITS digest in ACK/REJECT; map
    // it back to the digest in our outbox, as if the poison had been stored there.
    const restoreDigests = (data: Uint8Array): Uint8Array => {
      if (corruptedDigests.size === 0 || data.length < 2 || data[0] !== FRAME_VERSION) return data;
      const at = data[1] === TYPE_ACK ? 3 : data[1] === TYPE_REJECT ? 2 : -1;
      if (at < 0) return data;
      const out = data.slice();
      for (let i = at; i + 16 <= out.length && (data[1] === TYPE_ACK || i === at); i += 16) {
        const original = corruptedDigests.get(Buffer.from(out.subarray(i, i + 16)).toString('hex'));
        if (original) out.set(Buffer.from(original, 'hex'), i);
      }
      return out;
    };
    const onFrame: Transport['onFrame'] = (handler) =>
      transport.onFrame((frame) => handler({ from: frame.from, data: restoreDigests(frame.data) }));
    // Chunks served on /parley/file, counted across requests; the n-th is corrupted once.
    let servedChunks = 0;
    const setFileServer: Transport['setFileServer'] = (server) =>
      transport.setFileServer((peer, request) => {
        const chunks = server(peer, request);
        if (!chunks || corruptFileChunkOnce === undefined) return chunks;
        return (async function* () {
          for await (const chunk of chunks) {
            if (++servedChunks !== corruptFileChunkOnce) {
              yield chunk;
              continue;
            }
            const bad = chunk.slice();
            bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0x01;
            log(`fault: corrupted served file chunk #${servedChunks} (file ${request.fileId})`);
            yield bad;
          }
        })();
      });
    // A link request (0x01 0x20) answered "approved" (0x01 0x00 …): killed before the answer leaves.
    const setQueryHandler: Transport['setQueryHandler'] = (handler, admission) =>
      transport.setQueryHandler(async (peer, request) => {
        const answer = await handler(peer, request);
        if (killOnLink && request[0] === 1 && request[1] === 0x20 && answer?.[0] === 1 && answer[1] === 0) {
          log('fault: killed after approving a device link, before answering it');
          process.kill(process.pid, 'SIGKILL');
        }
        return answer;
      }, admission);
    return { ...transport, send, onFrame, setFileServer, setQueryHandler };
  };

  return {
    active: transportActive || storeActive || config.plainDatabase === true || killAt !== undefined,
    config: {
      ...(config.plainDatabase === true ? { plainDatabase: true } : {}),
      ...(dropAckRatio === undefined ? {} : { dropAckRatio }),
      ...(corruptMsgNth === undefined ? {} : { corruptMsgNth }),
      ...(replayAfterMs === undefined ? {} : { replayAfterMs }),
      ...(storeFailAfterWrites === undefined ? {} : { storeFailAfterWrites }),
      ...(corruptFileChunkOnce === undefined ? {} : { corruptFileChunkOnce }),
      ...(hold === undefined
        ? {}
        : { holdMsgFrom: hold.from, holdMsgCount: hold.count, holdMsgUntil: hold.until }),
      ...(config.seed === undefined ? {} : { seed }),
      ...(killAt === undefined ? {} : { killAtPassphraseStep: killAt }),
      ...(killOnLink ? { killOnLinkApproved: true } : {}),
    },
    wrapStore,
    wrapTransport,
    passphraseStep: (step) => {
      if (step === killAt) process.kill(process.pid, 'SIGKILL');
    },
  };
}

const PASSPHRASE_STEPS: readonly PassphraseChangeStep[] = ['temp-written', 'renamed', 'key-file'];

function killStep(config: FaultConfig): PassphraseChangeStep | undefined {
  const step = config.killAtPassphraseStep;
  if (step === undefined) return undefined;
  if (!PASSPHRASE_STEPS.includes(step))
    throw new Error(`PARLEY_FAULTS.killAtPassphraseStep must be one of ${PASSPHRASE_STEPS.join(', ')}`);
  return step;
}
