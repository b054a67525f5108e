/**
 * Groups (docs/GROUPS.md): private groups where every member may write,
 * fanned out over the pairwise sessions, with Sender Keys rotated on every
 * change. This is the part of the Messenger API that deals with groups; the
 * Messenger routes a name that is not a contact but a group here.
 *
 *   messenger.createGroup('climbing', ['bob', 'carol']);   // bob and carol are invited
 *   bob.acceptGroup('climbing');                             // (on bob's side) he joins
 *   messenger.sendText('climbing', 'Saturday?');
 *   messenger.removeFromGroup('climbing', 'carol');
 *
 * This file only composes the parts: local.ts (what they share), create.ts, admin.ts,
 * membership.ts (accept, decline, leave), conversation.ts (send and read), queries.ts, effects.ts.
 */
import type { Ctx } from '../context/index.ts';
import {
  type ConversationActions,
  deleteOwnMessage,
  type Effects,
  editOwnMessage,
  markConversationRead,
} from '../messaging/index.ts';
import type {
  AttachmentRecord,
  AttachmentsTx,
  ContactRecord,
  ContactsTx,
  DevicesTx,
  GroupsTx,
  MessageKey,
  MessageRecord,
} from '../ports/index.ts';
import type { GroupRole, GroupView, MessageView } from '../views/index.ts';
import { encodeFrame, type FileManifest } from '../wire/index.ts';
import { addToGroup, removeFromGroup, renameGroup, setGroupPicture, setMemberRole } from './admin.ts';
import * as conversation from './conversation.ts';
import { createGroup } from './create.ts';
import { applyEffects } from './effects.ts';
import { findGroupFile, groupFileFor, sendGroupFile } from './files.ts';
import { createGroupLocal, type GroupHooks } from './local.ts';
import { acceptGroup, declineGroup, leaveGroup } from './membership.ts';
import type { GroupPicture } from './picture.ts';
import { anyView, group, groupPicture, groups, resolveGroup } from './queries.ts';
import { syncGroup } from './send.ts';
import { answerStateFetch, decodeStateFetchRequest, startStateFetcher } from './state-fetch.ts';
import { listGroups, loadGroup, type StoredGroup } from './store.ts';
import type { GroupViewTx } from './tx.ts';

export type { GroupChange, GroupHooks } from './local.ts';

/** The group part of the Messenger API; a group's conversation is reached by its stored group. */
export interface Groups extends ConversationActions<StoredGroup> {
  /** The group a name means, when it is not a contact's name (contacts first); in `tx` if given. */
  resolve(name: string, tx?: ContactsTx & GroupsTx): StoredGroup | undefined;
  createGroup(name: string, memberNames: readonly string[]): GroupView;
  addToGroup(name: string, names: readonly string[]): GroupView;
  removeFromGroup(name: string, memberName: string): GroupView;
  /** An admin makes a member an admin (`admin`) or an admin a member again (`member`). */
  setMemberRole(name: string, memberName: string, role: GroupRole): GroupView;
  renameGroup(name: string, newName: string): GroupView;
  /** An admin sets (or, with null, removes) the group picture (admin.ts). */
  setGroupPicture(name: string, data: Uint8Array | null): GroupView;
  /** The group picture's bytes and type, or null when it has none. */
  groupPicture(name: string): GroupPicture | null;
  /** An admin leaves with a new state (promoting someone if no admin remains); a member announces it. */
  leaveGroup(name: string): GroupView;
  groups(): GroupView[];
  group(name: string): GroupView;
  /** The user accepts a pending invitation, by the group's name or id (membership.ts). */
  acceptGroup(name: string): GroupView;
  /** The user declines a pending invitation; the invitation is forgotten (membership.ts). */
  declineGroup(name: string): GroupView;
  /** The view of any stored message: a group's, or a contact's. */
  anyView(tx: GroupViewTx, contact: ContactRecord, m: MessageRecord): MessageView;
  /** Emits `message` for group messages whose status changed (the outbox's "sent"). */
  emitMessages(keys: readonly (MessageKey | null)[]): void;
  /** After the inbox committed: admit introduced members, send what we owe, tell the UI. */
  applied(effects: Effects): void;
  /** At start: finish whatever a crash interrupted (keys, owed states, leavers); join large groups' topics. */
  start(): void;
  /**
   * A device list changed (ours or a member's): each group sends what it now owes — our key to a
   * device linked since, and to our new device the state we hold (docs/MULTI-DEVICE.md "Groups").
   */
  devicesChanged(): void;
  stop(): void;
  /** The /parley/query part for large groups' catch-up (undefined: not ours, or refused). */
  answerQuery(peer: string, request: Uint8Array): Uint8Array | undefined;
  /** Sends an encrypted file's manifest to the group (files.ts). */
  sendFile(g: StoredGroup, manifest: FileManifest): MessageView;
  /** A file of ours that `peer` may fetch as a current member of the group we sent it to (in `tx`). */
  fileFor(
    tx: GroupsTx & AttachmentsTx & ContactsTx & DevicesTx,
    peer: string,
    fileId: string,
  ): AttachmentRecord | undefined;
  /** The group's file with this id (ours, or a member's), in `tx`. */
  findFile(tx: AttachmentsTx, g: StoredGroup, id: string, direction?: 'in'): AttachmentRecord | undefined;
}

const HELLO = encodeFrame({ type: 'hello' });

export function createGroups(ctx: Ctx, hooks: GroupHooks): Groups {
  const local = createGroupLocal(ctx, hooks);
  const own = (g: StoredGroup) => conversation.ownConversation(local, g);
  let stopFetcher: (() => void) | undefined;
  /** Each group sends what it owes (one transaction per group); a change's later batches are drained. */
  const syncAll = (): void => {
    const groups = ctx.store.transaction((tx) => listGroups(ctx, tx));
    for (const g of groups) {
      local.kickAll(
        ctx.store.transaction((tx) => {
          const fresh = loadGroup(ctx, tx, g.state.id);
          return fresh ? syncGroup(ctx, tx, fresh) : [];
        }),
      );
      local.drain(g.state.id); // a change a crash interrupted: the rest of its batches
    }
  };
  return {
    resolve: (name, tx) => resolveGroup(ctx, name, tx),
    createGroup: (name, memberNames) => createGroup(local, name, memberNames),
    addToGroup: (name, names) => addToGroup(local, name, names),
    removeFromGroup: (name, memberName) => removeFromGroup(local, name, memberName),
    setMemberRole: (name, memberName, role) => setMemberRole(local, name, memberName, role),
    renameGroup: (name, newName) => renameGroup(local, name, newName),
    setGroupPicture: (name, data) => setGroupPicture(local, name, data),
    groupPicture: (name) => groupPicture(ctx, name),
    leaveGroup: (name) => leaveGroup(local, name),
    groups: () => groups(ctx),
    group: (name) => group(ctx, name),
    acceptGroup: (name) => acceptGroup(local, name),
    declineGroup: (name) => declineGroup(local, name),
    sendText: (g, text, replyTo) => conversation.sendText(local, g, text, replyTo),
    sendTexts: (g, texts) => conversation.sendTexts(local, g, texts),
    react: (g, target, emoji) => conversation.react(local, g, target, emoji),
    edit: (g, id, text) => editOwnMessage(ctx, own(g), id, text),
    deleteForEveryone: (g, id) => deleteOwnMessage(ctx, own(g), id),
    markRead: (g) => markConversationRead(ctx, own(g), g.status === 'active'),
    setTyping: (g, active) => conversation.setTyping(local, g, active),
    messages: (g, query) => conversation.messages(local, g, query),
    message: (g, key) => conversation.message(local, g, key),
    anyView: (tx, contact, m) => anyView(ctx, tx, contact, m),
    emitMessages: (keys) => local.emitMessages(keys),
    applied: (effects) => applyEffects(local, effects),
    sendFile: (g, manifest) => sendGroupFile(local, g, manifest),
    fileFor: (tx, peer, fileId) => groupFileFor(ctx, tx, peer, fileId),
    findFile: (tx, g, id, direction) => findGroupFile(tx, g, id, direction),
    start() {
      local.running = true;
      // A state fetched for a ref: the ref (not ACKed meanwhile) comes again at once on HELLO.
      stopFetcher = startStateFetcher(
        ctx,
        (peer) => void ctx.transport.send(peer, HELLO).catch(() => undefined),
      );
      syncAll();
      local.topics.start();
    },
    devicesChanged: () => {
      if (!local.running) return;
      syncAll();
      // Large groups: who shares the topic follows the lists, and a key or message that waited
      // for a device list (a member's new device) is asked for again now.
      local.topics.refresh();
      for (const g of ctx.store.transaction((tx) => listGroups(ctx, tx)))
        if (g.status === 'active' && g.state.secret) void local.topics.sync(g.state.id, [], true);
    },
    stop: () => {
      local.running = false;
      stopFetcher?.();
      local.topics.stop();
    },
    answerQuery: (peer, request) => {
      const fetch = decodeStateFetchRequest(request);
      if (fetch) return ctx.store.transaction((tx) => answerStateFetch(ctx, tx, peer, fetch));
      return local.topics.answer(peer, request);
    },
  };
}
