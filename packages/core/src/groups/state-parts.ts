/**
 * States too large for one control payload (docs/GROUPS.md "Large states",
 * docs/PROTOCOL.md "Group control"): the admin splits the state into
 * `state-part`s, each an ordinary pairwise message through the outbox; the
 * receiver assembles them per (group, sender, epoch) and applies the state
 * only once every part arrived and the assembled state hashes to the digest
 * all parts carry.
 *
 * Durability without a table: a part that does not complete its state is NOT
 * acknowledged (GroupNotReadyError, like a state that skips an epoch), so the
 * admin's outbox keeps it and sends it again. Assemblies therefore live in
 * memory only: a crash, an eviction or an expiry loses nothing that was ACKed.
 * Once the state applies, the parts still waiting are repeats: ACKed and
 * dropped (the receiver sends HELLO so the admin resends them at once).
 *
 * Bounds: GROUP_STATE_PARTS_MAX parts of ≤ CONTROL_PAYLOAD_MAX_BYTES each;
 * GROUP_ASSEMBLIES_PER_SENDER per sender and GROUP_ASSEMBLIES_MAX in all
 * (the oldest is dropped); GROUP_ASSEMBLY_BUFFER_MAX_BYTES buffered in all;
 * an assembly older than GROUP_ASSEMBLY_MAX_AGE_MS is dropped; all of a
 * group's older epochs are dropped when a state of that group applies.
 */
import type { Account } from '../account/index.ts';
import { InboundError, toHex, utf8 } from '../base/index.ts';
import type { Ctx } from '../context/index.ts';
import {
  decodeGroupControl,
  encodeGroupControl,
  encodeGroupMember,
  GROUP_STATE_PARTS_MAX,
  GROUP_STATE_PAYLOAD_MAX_BYTES,
  type GroupState,
  type GroupStatePart,
  statePartBody,
  withoutSecret,
} from './codec.ts';

/** Incomplete assemblies kept from one sender (an admin has at most a change or two in flight). */
export const GROUP_ASSEMBLIES_PER_SENDER = 3;
/** Incomplete assemblies kept in all. */
export const GROUP_ASSEMBLIES_MAX = 8;
/** Bytes of parts buffered in all (a 1,000-member state is ~0.5–1.8 MiB). */
export const GROUP_ASSEMBLY_BUFFER_MAX_BYTES: number = 8 * 1024 * 1024;
/** Digests of finished states remembered (their leftover parts are ACKed without a word). */
export const GROUP_SETTLED_KEPT = 64;
/** An assembly not completed by then is dropped (its parts were not ACKed: they come again). */
export const GROUP_ASSEMBLY_MAX_AGE_MS: number = 10 * 60 * 1000;

type Sha256 = (data: Uint8Array) => Uint8Array;

/** SHA-256 of the state's single-message encoding: what every part's `digest` is. */
export const stateDigest = (sha256: Sha256, s: GroupState): Uint8Array =>
  sha256(encodeGroupControl({ type: 'state', group: s }));

/** Digests of states we hold, by state object (loadGroup keeps the object while the record is unchanged). */
const digests = new WeakMap<GroupState, { whole?: Uint8Array; bare?: Uint8Array }>();

/**
 * stateDigest of a state we hold (`bare`: of its copy without the secret), computed once per state
 * object: every delta, ref and part that arrives compares it, and at 1,000 members encoding the
 * state costs milliseconds.
 */
export function heldStateDigest(sha256: Sha256, s: GroupState, bare = false): Uint8Array {
  let entry = digests.get(s);
  if (!entry) {
    entry = {};
    digests.set(s, entry);
  }
  const key = bare ? 'bare' : 'whole';
  let digest = entry[key];
  if (!digest) {
    digest = stateDigest(sha256, bare ? withoutSecret(s) : s);
    entry[key] = digest;
  }
  return digest;
}

/**
 * The payloads that carry `s`: one `state` when it fits a control payload (the
 * format every version understands), else GROUP_STATE_PARTS_MAX parts at most.
 */
export function encodeStatePayloads(sha256: Sha256, s: GroupState): Uint8Array[] {
  const whole = encodeGroupControl({ type: 'state', group: s });
  if (whole.length <= GROUP_STATE_PAYLOAD_MAX_BYTES) return [whole];
  const digest = sha256(whole);
  const members = s.members.map(encodeGroupMember);
  const sizes = members.map((m) => utf8(JSON.stringify(m)).length + 1); // + the comma
  const head = { id: s.id, epoch: s.epoch, digest, index: 0, count: GROUP_STATE_PARTS_MAX };
  // Room left for members: part 0's envelope (name, secret) with the widest index and count.
  const envelope = utf8(
    JSON.stringify(statePartBody({ ...head, name: s.name, ...(s.secret ? { secret: s.secret } : {}) }, [])),
  ).length;
  const room = GROUP_STATE_PAYLOAD_MAX_BYTES - envelope - 4; // 4: slack for index digits
  const slices: Array<Array<Record<string, unknown>>> = [];
  let used = room + 1;
  members.forEach((m, i) => {
    const size = sizes[i] as number;
    if (size > room) throw new RangeError('a group member does not fit a state part');
    if (used + size > room) {
      slices.push([]);
      used = 0;
    }
    (slices[slices.length - 1] as Array<Record<string, unknown>>).push(m);
    used += size;
  });
  if (slices.length > GROUP_STATE_PARTS_MAX)
    throw new RangeError(`the group state needs more than ${GROUP_STATE_PARTS_MAX} parts`);
  return slices.map((slice, index) => {
    const extra = index === 0 ? { name: s.name, ...(s.secret ? { secret: s.secret } : {}) } : {};
    const body = statePartBody({ ...head, index, count: slices.length, ...extra }, slice);
    const bytes = utf8(JSON.stringify(body));
    if (bytes.length > GROUP_STATE_PAYLOAD_MAX_BYTES) throw new RangeError('a state part is too large');
    decodeGroupControl(bytes); // what we send must pass our own checks
    return bytes;
  });
}

interface Assembly {
  readonly groupId: string;
  readonly sender: string;
  readonly epoch: number;
  readonly digest: string;
  readonly count: number;
  readonly startedAt: number;
  readonly parts: Map<number, { readonly part: GroupStatePart; readonly bytes: number }>;
  bytes: number;
}

/** Per messenger (keyed by its account): assembly key → assembly, oldest first. */
const all = new WeakMap<Account, Map<string, Assembly>>();
/** Per messenger: `sender/digest` of states lately applied or refused, oldest first. */
const settled = new WeakMap<Account, string[]>();

const keyOf = (groupId: string, sender: string, epoch: number): string => `${groupId}/${sender}/${epoch}`;

function assemblies(ctx: Ctx): Map<string, Assembly> {
  let map = all.get(ctx.account);
  if (!map) {
    map = new Map();
    all.set(ctx.account, map);
  }
  return map;
}

const inconsistent = (why: string): InboundError =>
  new InboundError('bad-message', `group change: its parts do not match (${why})`);

/**
 * Adds one part (decoded and checked; `bytes` = its payload size). Returns
 * the whole state once every part is here and it hashes to the digest,
 * undefined while parts are missing. The complete assembly stays until
 * `finishAssembly` (the caller applied it, or refused it for good), so a
 * state that must wait for an earlier epoch is still there when a part comes
 * again. Throws InboundError when the part contradicts the assembly (another
 * digest or count, a different copy of an index) or the whole does not match
 * its digest: nothing is applied and the assembly is dropped.
 */
export function addStatePart(
  ctx: Ctx,
  sender: string,
  part: GroupStatePart,
  bytes: number,
): GroupState | undefined {
  const map = assemblies(ctx);
  expire(ctx, map);
  const key = keyOf(part.id, sender, part.epoch);
  const digest = toHex(part.digest);
  let a = map.get(key);
  if (a && (a.digest !== digest || a.count !== part.count)) {
    map.delete(key);
    throw inconsistent('another digest or part count for the same change');
  }
  if (!a) {
    a = {
      groupId: part.id,
      sender,
      epoch: part.epoch,
      digest,
      count: part.count,
      startedAt: ctx.now(),
      parts: new Map(),
      bytes: 0,
    };
    map.set(key, a);
  }
  const had = a.parts.get(part.index);
  if (!had) {
    a.parts.set(part.index, { part, bytes });
    a.bytes += bytes;
  } else if (!sameBytes(encodeGroupControl(had.part), encodeGroupControl(part))) {
    map.delete(key); // a resend carries the same bytes (D6): two versions of a part are a forgery
    throw inconsistent('two different copies of one part');
  }
  bound(map, a);
  if (a.parts.size < a.count) return undefined;
  try {
    return assemble(ctx, a);
  } catch (error) {
    map.delete(key);
    throw error;
  }
}

/**
 * Forgets the assembly `part` belongs to: its state applied or was refused.
 * (sender, digest) is remembered (GROUP_SETTLED_KEPT newest), so the parts
 * that were waiting, sent again, are ACKed as leftovers instead of starting
 * over. Per sender: nobody can settle (and so silence) another's state.
 */
export function finishAssembly(ctx: Ctx, sender: string, part: GroupStatePart): void {
  dropAssembly(ctx, sender, part);
  const list = settled.get(ctx.account) ?? [];
  const key = `${sender}/${toHex(part.digest)}`;
  if (!list.includes(key)) settled.set(ctx.account, [...list, key].slice(-GROUP_SETTLED_KEPT));
}

/** Forgets the assembly `part` belongs to without settling it (its state was invalid). */
export function dropAssembly(ctx: Ctx, sender: string, part: GroupStatePart): void {
  assemblies(ctx).delete(keyOf(part.id, sender, part.epoch));
}

/** Whether `sender`'s state with this digest was applied or refused lately (its parts are leftovers). */
export const isSettled = (ctx: Ctx, sender: string, digest: Uint8Array): boolean =>
  settled.get(ctx.account)?.includes(`${sender}/${toHex(digest)}`) ?? false;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Drops a group's assemblies older than `epoch` (a state of that epoch applied). */
export function dropAssemblies(ctx: Ctx, groupId: string, epoch: number): void {
  const map = all.get(ctx.account);
  if (!map) return;
  for (const [k, a] of map) if (a.groupId === groupId && a.epoch < epoch) map.delete(k);
}

/** Whether parts of a state of this group are being assembled (its whole state is on its way). */
export const assembling = (ctx: Ctx, groupId: string): boolean =>
  [...(all.get(ctx.account)?.values() ?? [])].some((a) => a.groupId === groupId);

/** Incomplete assemblies (tests and diagnostics): how many, and bytes buffered. */
export function assemblyStats(ctx: Ctx): { readonly count: number; readonly bytes: number } {
  const list = [...(all.get(ctx.account)?.values() ?? [])];
  return { count: list.length, bytes: list.reduce((n, a) => n + a.bytes, 0) };
}

function expire(ctx: Ctx, map: Map<string, Assembly>): void {
  const now = ctx.now();
  for (const [k, a] of map) if (now - a.startedAt > GROUP_ASSEMBLY_MAX_AGE_MS) map.delete(k);
}

/** Oldest first: per sender, then in all (count and bytes); `keep` is the one just added to. */
function bound(map: Map<string, Assembly>, keep: Assembly): void {
  const evict = (pick: (a: Assembly) => boolean, over: () => boolean): void => {
    for (const [k, a] of map) {
      if (!over()) return;
      if (a !== keep && pick(a)) map.delete(k);
    }
  };
  const fromSender = (): number => [...map.values()].filter((a) => a.sender === keep.sender).length;
  evict(
    (a) => a.sender === keep.sender,
    () => fromSender() > GROUP_ASSEMBLIES_PER_SENDER,
  );
  evict(
    () => true,
    () => map.size > GROUP_ASSEMBLIES_MAX,
  );
  const total = (): number => [...map.values()].reduce((n, a) => n + a.bytes, 0);
  evict(
    () => true,
    () => total() > GROUP_ASSEMBLY_BUFFER_MAX_BYTES,
  );
}

function assemble(ctx: Ctx, a: Assembly): GroupState {
  const parts = [...a.parts.values()].map((p) => p.part).sort((x, y) => x.index - y.index);
  const head = parts[0] as GroupStatePart;
  const base = {
    id: a.groupId,
    name: head.name as string,
    epoch: a.epoch,
    members: parts.flatMap((p) => p.members),
  };
  const state: GroupState = head.secret ? { ...base, secret: head.secret } : base;
  let digest: Uint8Array;
  try {
    digest = stateDigest(ctx.primitives.sha256, state); // also checks the whole (unique ids, an admin)
  } catch {
    throw inconsistent('the assembled state is not valid');
  }
  if (toHex(digest) !== a.digest) throw inconsistent('the assembled state does not match its digest');
  return state;
}
