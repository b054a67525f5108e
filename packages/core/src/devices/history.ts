/**
 * History transfer (docs/MULTI-DEVICE.md "Linking", step 4): a newly linked device fetches the
 * account's existing conversations from the device that approved it, in batches, over
 * `/parley/query/1.0.0` (Noise between two devices of the same account; only our own devices
 * are answered). Resumable: the new device stores its cursor with each batch it commits, so a
 * restart (or kill -9) resumes from the last committed batch; a message already here (a sync
 * copy, or a batch seen twice) is a duplicate by its key and stored once (D2).
 *
 *   request = 0x01 ‖ 0x22 ‖ u16 n ‖ cursor (JSON {peer, after}; peer "" = from the start)
 *   answer  = 0x01 ‖ status u8 (0 ok, 1 refused) ‖ JSON HistoryBatch
 *
 * A batch holds at most HISTORY_BATCH_MESSAGES messages and about HISTORY_BATCH_BYTES of JSON.
 * Conversations go in PeerId order, each oldest first, then groups by id (GROUP_HISTORY_PREFIX). History lands in its own band of sort
 * keys (original − HISTORY_BAND), before anything the new device received itself.
 */
import { CoreError, fromUtf8, Reader, utf8, Writer } from '../base/index.ts';
import type { MessageStatus, Transport } from '../ports/index.ts';
import type { StoredBody } from '../views/index.ts';

const VERSION = 0x01;
const KIND_HISTORY = 0x22;
export const HISTORY_BATCH_MESSAGES = 1000;
export const HISTORY_BATCH_BYTES: number = 768 * 1024;
/** History's sort keys are moved this far down: before every message received here. */
export const HISTORY_BAND: number = 2 ** 40;
/** Below every sort key, those of a history band included. */
export const FIRST_SORT_KEY: number = -(2 ** 52);
/** Meta keys on the new device: whom to fetch from, and how far it got. */
export const HISTORY_FROM_META = 'history-from';
export const HISTORY_CURSOR_META = 'history-cursor';

/** A group conversation's key in a cursor and in its messages: after every contact's PeerId. */
export const GROUP_HISTORY_PREFIX = '~';

export interface HistoryCursor {
  /**
   * The conversation being sent: its contact's PeerId, or GROUP_HISTORY_PREFIX + the group's id
   * (groups come after contacts); "" = from the start.
   */
  readonly peer: string;
  /** Messages with a sortKey above this one (of that conversation) come next; null = from its start. */
  readonly after: number | null;
}

export interface HistoryMessage {
  /** Its conversation, as in HistoryCursor.peer. */
  readonly peer: string;
  readonly mine: boolean;
  /** In a group, who wrote it (a member's account id) when not `mine`. */
  readonly from?: string;
  readonly id: string;
  readonly seq: number;
  readonly kind: string;
  readonly body: StoredBody | null;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly sortKey: number;
  readonly status: MessageStatus;
  readonly editedAt: number | null;
  readonly deletedAt: number | null;
  readonly expiresAt: number | null;
  /** `by`: in a group, the member who reacted (when not `mine`). */
  readonly reactions: ReadonlyArray<{
    readonly mine: boolean;
    readonly emoji: string;
    readonly at: number;
    readonly by?: string;
  }>;
  /** An attachment's manifest (its key base64url) and chunk count, when the sender still has it. */
  readonly file?: { readonly manifest: Record<string, unknown>; readonly chunks: number };
}

export interface HistoryBatch {
  readonly v: 1;
  readonly messages: readonly HistoryMessage[];
  /** Where the next batch starts; null: this was the last. */
  readonly next: HistoryCursor | null;
  /** Conversations in all, and how many come before the next batch's (progress). */
  readonly conversations: number;
  readonly conversationsDone: number;
}

export const isHistoryRequest = (b: Uint8Array): boolean =>
  b.length >= 2 && b[0] === VERSION && b[1] === KIND_HISTORY;

export function encodeHistoryRequest(cursor: HistoryCursor): Uint8Array {
  return new Writer()
    .u8(VERSION)
    .u8(KIND_HISTORY)
    .short(utf8(JSON.stringify(cursor)))
    .done();
}

/** Reads a request's cursor; throws on anything else. */
export function readHistoryRequest(request: Uint8Array): HistoryCursor {
  const r = new Reader(request, 'history request');
  r.take(2);
  const o = JSON.parse(fromUtf8(r.short(1024))) as { peer?: unknown; after?: unknown };
  r.end();
  if (typeof o.peer !== 'string' || (o.after !== null && typeof o.after !== 'number'))
    throw new Error('bad cursor');
  return { peer: o.peer, after: o.after };
}

/** The answer carrying `batch`, or the refusal. */
export const historyAnswer = (batch: HistoryBatch | undefined): Uint8Array =>
  batch
    ? new Writer()
        .u8(VERSION)
        .u8(0)
        .bytes(utf8(JSON.stringify(batch)))
        .done()
    : Uint8Array.of(VERSION, 1);

export function decodeHistoryAnswer(answer: Uint8Array): HistoryBatch {
  if (answer.length < 2 || answer[0] !== VERSION || answer[1] !== 0)
    throw new CoreError('not-allowed', 'the other device refused to send the history');
  const batch = JSON.parse(fromUtf8(answer.subarray(2))) as HistoryBatch;
  if (batch.v !== 1 || !Array.isArray(batch.messages) || batch.messages.length > HISTORY_BATCH_MESSAGES)
    throw new CoreError('bad-input', 'the other device sent a history batch this version cannot read');
  return batch;
}

/** One history request to `from` (our device that approved us). */
export async function fetchHistoryBatch(
  transport: Pick<Transport, 'query'>,
  from: string,
  cursor: HistoryCursor,
): Promise<HistoryBatch> {
  return decodeHistoryAnswer(await transport.query(from, encodeHistoryRequest(cursor)));
}
