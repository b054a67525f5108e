/**
 * Draining our own mailboxes: each is asked for what it holds, oldest first; each envelope's
 * frames go through the normal inbox (D2–D5: exactly once, in order, ACK after commit) and only
 * once they are committed is the envelope deleted at the mailbox. A crash in between fetches it
 * again, and the inbox recognises every frame as seen (D3).
 */
import { decodeIdentityPublic, type OwnMailbox } from '../account/index.ts';
import type { Ctx } from '../context/index.ts';
import { ownerOf } from '../devices/index.ts';
import { decodeChunkRecord, decodeDeleteAnswer, decodeFetchAnswer, MAIL_DELETE_MAX } from './codec.ts';
import { openEnvelope } from './envelope.ts';
import { ask, type Drained, type MailboxRuntime, ownMailboxes } from './runtime.ts';

/** Asks every mailbox of ours for mail, one after the other; one drain at a time. */
export function drainAll(rt: MailboxRuntime): Promise<Drained> {
  rt.draining ??= (async () => {
    let envelopes = 0;
    let frames = 0;
    for (const box of ownMailboxes(rt.ctx)) {
      const got = await drainOne(rt, box);
      envelopes += got.envelopes;
      frames += got.frames;
    }
    return { envelopes, frames };
  })().finally(() => {
    rt.draining = undefined;
  });
  return rt.draining;
}

/** Fetches, delivers and deletes what `box` holds; how it went is kept in `rt.drains`. */
export async function drainOne(rt: MailboxRuntime, box: OwnMailbox): Promise<Drained> {
  const { ctx } = rt;
  let after = 0;
  let envelopes = 0;
  let frames = 0;
  try {
    for (;;) {
      const page = decodeFetchAnswer(await ask(ctx, box, { kind: 'fetch', after }));
      const done: number[] = [];
      for (const item of page.items) {
        after = item.id;
        const got = await receive(rt, item.envelope);
        if (got === false) break; // not stored: keep it there
        done.push(item.id);
        if (got === null) continue;
        envelopes++;
        frames += got;
      }
      for (let i = 0; i < done.length; i += MAIL_DELETE_MAX)
        decodeDeleteAnswer(await ask(ctx, box, { kind: 'delete', ids: done.slice(i, i + MAIL_DELETE_MAX) }));
      if (!page.more || done.length < page.items.length || rt.stopped) break;
    }
    rt.drains.set(box.peerId, { at: ctx.now(), error: null });
  } catch (error) {
    rt.drains.set(box.peerId, {
      at: ctx.now(),
      error: error instanceof Error ? error.message : String(error),
    });
  }
  return { envelopes, frames };
}

/**
 * Opens one envelope and hands its frames to the inbox: how many it delivered, null when it is
 * nothing to keep (delete it), false when the inbox did not store it (keep it at the mailbox).
 */
async function receive(rt: MailboxRuntime, envelope: Uint8Array): Promise<number | null | false> {
  const { ctx, deps } = rt;
  let opened: ReturnType<typeof openEnvelope>;
  try {
    opened = openEnvelope(ctx.primitives, ctx.account.identity.agreementSecret, envelope, (peerId) =>
      senderKey(ctx, peerId),
    );
  } catch {
    return null; // not for us, forged, damaged, or from a stranger: nothing to keep
  }
  // Inline chunks first: the downloads their manifests start find them at hand.
  const frameList: Uint8Array[] = [];
  for (const f of opened.frames) {
    const chunk = decodeChunkRecord(f);
    if (chunk) deps.inlineChunk?.(opened.senderPeerId, chunk.fileId, chunk.index, chunk.chunk);
    else frameList.push(f);
  }
  return (await deps.deliver(opened.senderPeerId, frameList)) ? frameList.length : false;
}

function senderKey(ctx: Ctx, peerId: string): Uint8Array | undefined {
  // Any contact, also one whose introduction is still pending (its `welcome` may come this way)
  // and a group member we know through its admin: the inbox decides what it accepts from whom.
  // A contact's other device, and one of our own, seals with its own key, the one its list names.
  const owner = ctx.store.transaction((tx) => ownerOf(ctx, tx, peerId));
  return owner ? decodeIdentityPublic(owner.identityKey).agreementKey : undefined;
}
