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
 */
import { decodeContactCard } from '@parley/crypto';
import { checkDisplayName } from '../account/index.ts';
import { CoreError, toHex } from '../base/index.ts';
import { findContact, ownCard } from '../contacts/index.ts';
import type { Ctx } from '../context/index.ts';
import { type Effects, isExpiredTombstone, setOwnReaction } from '../messaging/index.ts';
import type { ContactRecord, MessageKey, MessageRecord, StoreTx } from '../ports/index.ts';
import { type GroupView, type MessageView, messageView, sealBody } from '../views/index.ts';
import { type AppBody, encodeFrame, type MessageRef } from '../wire/index.ts';
import { acceptInvitation } from './accept.ts';
import {
  encodeGroupControl,
  GROUP_MAX_MEMBERS,
  type GroupMember,
  type GroupState,
  nextChangeTime,
  validGroupName,
} from './codec.ts';
import { forgetInvitation, GROUP_INTRODUCE_MAX } from './invites.ts';
import { type GroupPicture, pictureFromBytes } from './picture.ts';
import {
  changeState,
  checkActive,
  composeGroup,
  sendControl,
  sendLeave,
  sendState,
  syncGroup,
  withMembers,
  withSecret,
} from './send.ts';
import { findGroup, isAdmin, listGroups, loadGroup, memberOf, type StoredGroup, saveGroup } from './store.ts';
import { topicOf } from './topic.ts';
import { createGroupTopics } from './topics.ts';
import { groupMessageView, groupView, memberName, memberNames } from './views.ts';

/** `invited`: a pending invitation arrived (or a newer one replaced it); `added`: we joined. */
export type GroupChange = 'added' | 'invited' | 'changed' | 'removed';

const HELLO = encodeFrame({ type: 'hello' });

export interface GroupHooks {
  /** Flush the outbox to this peer. */
  kick(peerId: string): void;
  /** A member we had no contact for became an `introduced` contact: admit (on msg) and reach them. */
  introduced(contact: ContactRecord): void;
}

export type Groups = ReturnType<typeof createGroups>;

/** A member we add, with the card we hold for them, under their own display name. */
function memberFrom(ctx: Ctx, contact: ContactRecord): GroupMember {
  let name = contact.name;
  try {
    const own = decodeContactCard(contact.card, ctx.primitives).displayName.trim();
    if (validGroupName(own)) name = own;
  } catch {
    // keep our name for them; the card itself is checked by every member
  }
  return { peerId: contact.peerId, name, role: 'member', card: contact.card };
}

/** Refuses what only a member may do in a group we are only invited to, saying how to join. */
function checkJoined(g: StoredGroup): void {
  if (g.status === 'invited')
    throw new CoreError(
      'not-allowed',
      `you are invited to group "${g.state.name}" but have not joined it; accept or decline the invitation first`,
    );
  checkActive(g);
}

/** The pending invitation a name or id means (invitations only: an active group of that name is not one). */
function findInvitation(ctx: Ctx, tx: StoreTx, nameOrId: string): StoredGroup {
  const wanted = nameOrId.trim();
  const lower = wanted.toLowerCase();
  const found = listGroups(ctx, tx).find(
    (g) => g.status === 'invited' && (g.state.id === wanted || g.state.name.toLowerCase() === lower),
  );
  if (!found)
    throw new CoreError(
      'unknown-contact',
      `no pending group invitation named "${nameOrId}"; see "parley group list"`,
    );
  return found;
}

export function createGroups(ctx: Ctx, hooks: GroupHooks) {
  const { store } = ctx;
  const me = ctx.account.info.peerId;
  const kickAll = (peers: Iterable<string>): void => {
    for (const p of new Set(peers)) hooks.kick(p);
  };
  const emitKeysNow = (keys: readonly MessageKey[]): void => {
    for (const v of store.transaction((tx) => emitKeys(tx, keys))) ctx.events.emit('message', v);
  };
  const topics = createGroupTopics(ctx, {
    changed: emitKeysNow,
    published: (key) => {
      store.transaction((tx) => {
        if (tx.getMessage(key)?.status === 'queued') tx.updateMessage(key, { status: 'sent' });
      });
      emitKeysNow([key]);
    },
  });
  const emitGroup = (id: string, change: GroupChange): void => {
    const view = store.transaction((tx) => {
      const g = loadGroup(ctx, tx, id);
      return g ? groupView(ctx, tx, g) : undefined;
    });
    if (view) ctx.events.emit('group', { group: view, change });
  };

  /** A local change: runs `fn` and the follow-up sync in one transaction, then flushes and tells. */
  const change = (name: string, fn: (tx: StoreTx, g: StoredGroup) => StoredGroup): GroupView => {
    const { g, kicks } = store.transaction((tx) => {
      const before = findGroup(ctx, tx, name);
      checkJoined(before);
      const after = fn(tx, before);
      const peers = [...before.state.members, ...after.state.members].map((m) => m.peerId);
      return { g: after, kicks: [...peers.filter((p) => p !== me), ...syncGroup(ctx, tx, after)] };
    });
    kickAll(kicks);
    topics.refresh();
    emitGroup(g.state.id, g.status === 'active' ? 'changed' : 'removed');
    return store.transaction((tx) => groupView(ctx, tx, g));
  };

  const checkName = (tx: StoreTx, wanted: string, except?: string): string => {
    const name = checkDisplayName(wanted);
    if (tx.getContactByName(name))
      throw new CoreError('name-taken', `"${name}" is a contact's name; choose another name for the group`);
    const lower = name.toLowerCase();
    if (
      listGroups(ctx, tx).some(
        (g) => g.status === 'active' && g.state.id !== except && g.state.name.toLowerCase() === lower,
      )
    )
      throw new CoreError('name-taken', `you already have a group named "${name}"`);
    return name;
  };

  const contactsFor = (tx: StoreTx, names: readonly string[]): ContactRecord[] => {
    const contacts = [...new Map(names.map((n) => findContact(tx, n)).map((c) => [c.id, c])).values()];
    for (const c of contacts) {
      // We vouch for the cards we put in a state: only for contacts the user added themselves.
      if (c.state === 'introduced')
        throw new CoreError(
          'not-allowed',
          `you know ${c.name} only through a group; accept an invite from them before adding them to a group`,
        );
      if (c.state !== 'active')
        throw new CoreError('not-allowed', `${c.name} has not confirmed your invite yet; try again later`);
    }
    return contacts;
  };

  const tooMany = (n: number): void => {
    if (n > GROUP_MAX_MEMBERS)
      throw new CoreError('bad-input', `a group has at most ${GROUP_MAX_MEMBERS} members`);
  };

  const send = (g: StoredGroup, body: AppBody): MessageView | null => {
    checkJoined(g);
    const { composed, view } = store.transaction((tx) => {
      const composed = composeGroup(ctx, tx, g, body);
      return { composed, view: composed.record ? groupMessageView(ctx, tx, g, composed.record) : null };
    });
    if (composed.publish) {
      const key = composed.record
        ? { conversationId: g.state.id, sender: 'self', id: composed.record.id }
        : null;
      topics.publish(g.state.id, composed.publish.topic, composed.publish.data, key);
    } else if (body.kind === 'typing') {
      for (const p of composed.recipients)
        if (ctx.transport.isConnected(p)) void ctx.transport.send(p, composed.frame).catch(() => undefined);
    }
    kickAll(composed.kicks);
    if (view) ctx.events.emit('message', view);
    return view;
  };

  const ownMessage = (g: StoredGroup, id: string): MessageRecord =>
    store.transaction((tx) => {
      const m = tx.getMessage({ conversationId: g.state.id, sender: 'self', id });
      if (!m) throw new CoreError('unknown-message', `no message ${id} of yours in group "${g.state.name}"`);
      if (m.deletedAt !== null) throw new CoreError('not-allowed', 'that message was deleted');
      return m;
    });

  const emitKeys = (tx: StoreTx, keys: readonly (MessageKey | null)[]): MessageView[] =>
    keys.flatMap((k) => {
      const m = k && tx.getMessage(k);
      const g = m && loadGroup(ctx, tx, m.conversationId);
      return m && g ? [groupMessageView(ctx, tx, g, m)] : [];
    });

  /** After the inbox committed (or an invitation was accepted): admit introduced members, send what we owe, tell the UI. */
  const applied = (effects: Effects): void => {
    const e = effects.group;
    if (!e) return;
    for (const c of e.contacts) hooks.introduced(c);
    for (const p of e.problems) ctx.events.emit('problem', p);
    // A split state applied: its parts that waited un-ACKed come again at once, as repeats.
    for (const p of e.resend) void ctx.transport.send(p, HELLO).catch(() => undefined);
    for (const t of e.typing.slice(-64)) {
      const who = store.transaction((tx) => {
        const g = loadGroup(ctx, tx, t.group);
        return g?.status === 'active'
          ? { group: g.state.name, member: memberName(tx, g, t.member) }
          : undefined;
      });
      if (who) ctx.events.emit('typing', { contact: who.group, member: who.member, active: t.active });
    }
    const kicks = store.transaction((tx) =>
      [...e.sync].flatMap((id) => {
        const g = loadGroup(ctx, tx, id);
        return g ? syncGroup(ctx, tx, g) : [];
      }),
    );
    kickAll(kicks);
    topics.refresh();
    for (const id of e.sync) void topics.sync(id); // a sender key may have arrived: fetch what it opens
    for (const [id, what] of e.changed) emitGroup(id, what);
    for (const group of e.gone) ctx.events.emit('group', { group, change: 'removed' });
  };

  return {
    /** The group a name means, when it is not a contact's name (contacts first); in `tx` if given. */
    resolve(name: string, tx?: StoreTx): StoredGroup | undefined {
      const resolveIn = (t: StoreTx): StoredGroup | undefined => {
        if (t.getContactByName(name.trim())) return undefined;
        try {
          return findGroup(ctx, t, name);
        } catch {
          return undefined;
        }
      };
      return tx ? resolveIn(tx) : store.transaction(resolveIn);
    },

    createGroup(name: string, memberNames: readonly string[]): GroupView {
      const g = store.transaction((tx) => {
        const groupName = checkName(tx, name);
        const contacts = contactsFor(tx, memberNames);
        if (contacts.length === 0)
          throw new CoreError('bad-input', 'a group needs at least one other member');
        tooMany(contacts.length + 1);
        const self: GroupMember = {
          peerId: me,
          name: ctx.account.info.name,
          role: 'admin',
          card: ownCard(ctx, tx, {}).card,
        };
        const state: GroupState = withSecret(ctx, {
          id: toHex(ctx.random(16)),
          name: groupName,
          epoch: 1,
          members: [self, ...contacts.map((c) => memberFrom(ctx, c))],
        });
        const now = ctx.now();
        tx.putConversation({
          id: state.id,
          kind: 'group',
          disappearingMs: null,
          readUpTo: 0,
          createdAt: now,
        });
        const draft: StoredGroup = {
          state,
          author: me,
          prev: [],
          status: 'active',
          owed: [],
          leaving: [],
          createdAt: now,
        };
        saveGroup(ctx, tx, draft);
        // changeState needs a previous view; the first state is sent as is.
        const stored = changeStateFirst(tx, draft);
        return { stored, kicks: syncGroup(ctx, tx, stored) };
      });
      kickAll([...g.stored.state.members.map((m) => m.peerId).filter((p) => p !== me), ...g.kicks]);
      topics.refresh();
      emitGroup(g.stored.state.id, 'added');
      return store.transaction((tx) => groupView(ctx, tx, g.stored));
    },

    addToGroup(name: string, names: readonly string[]): GroupView {
      return change(name, (tx, g) => {
        const adding = contactsFor(tx, names).filter((c) => !memberOf(g, c.peerId));
        if (adding.length === 0) throw new CoreError('bad-input', 'they are all members already');
        // Every member refuses a change that introduces more people they do not know (groups/invites.ts).
        if (adding.length > GROUP_INTRODUCE_MAX)
          throw new CoreError('bad-input', `add at most ${GROUP_INTRODUCE_MAX} members at a time`);
        tooMany(g.state.members.length + adding.length);
        const next = withMembers(g.state, (ms) => [
          ...ms.map((m) => (m.peerId === me ? { ...m, card: ownCard(ctx, tx, {}).card } : m)),
          ...adding.map((c) => memberFrom(ctx, c)),
        ]);
        return changeState(ctx, tx, g, next);
      });
    },

    removeFromGroup(name: string, memberName: string): GroupView {
      return change(name, (tx, g) => {
        const contact = tx.getContactByName(memberName.trim());
        const target =
          (contact && memberOf(g, contact.peerId)) ??
          g.state.members.find((m) => m.name.toLowerCase() === memberName.trim().toLowerCase());
        if (!target)
          throw new CoreError('unknown-contact', `${memberName} is not a member of "${g.state.name}"`);
        if (target.peerId === me) throw new CoreError('bad-input', 'to leave the group, use leave');
        const next = withMembers(g.state, (ms) => ms.filter((m) => m.peerId !== target.peerId));
        return changeState(ctx, tx, g, next, [target.peerId]);
      });
    },

    renameGroup(name: string, newName: string): GroupView {
      return change(name, (tx, g) =>
        changeState(
          ctx,
          tx,
          g,
          withMembers(g.state, (ms) => ms, checkName(tx, newName, g.state.id)),
        ),
      );
    },

    /**
     * An admin sets (or, with null, removes) the group picture: PNG, JPEG, WebP or GIF, at most
     * GROUP_PICTURE_MAX_BYTES. Every member accepts it only from an admin of its current view.
     */
    setGroupPicture(name: string, data: Uint8Array | null): GroupView {
      const picture = data === null ? null : pictureFromBytes(data);
      const { g, kicks } = store.transaction((tx) => {
        const before = findGroup(ctx, tx, name);
        checkJoined(before);
        if (!isAdmin(before, me))
          throw new CoreError(
            'not-allowed',
            `only an admin of "${before.state.name}" can change its picture`,
          );
        const at = nextChangeTime(ctx.now(), before.picture?.at);
        const { picture: _old, ...rest } = before;
        const after: StoredGroup = picture ? { ...rest, picture: { ...picture, at, by: me } } : rest;
        saveGroup(ctx, tx, after);
        const others = after.state.members.map((m) => m.peerId).filter((p) => p !== me);
        const payload = encodeGroupControl({
          type: 'picture',
          id: after.state.id,
          epoch: after.state.epoch,
          at,
          picture,
        });
        return { g: after, kicks: others.filter((p) => sendControl(ctx, tx, after, p, payload)) };
      });
      kickAll(kicks);
      emitGroup(g.state.id, 'changed');
      return store.transaction((tx) => groupView(ctx, tx, g));
    },
    /** The group picture's bytes and type, or null when it has none. */
    groupPicture(name: string): GroupPicture | null {
      const g = store.transaction((tx) => findGroup(ctx, tx, name));
      return g.picture ? { type: g.picture.type, data: g.picture.data } : null;
    },

    /** An admin leaves with a new state (promoting someone if no admin remains); a member announces it. */
    leaveGroup(name: string): GroupView {
      return change(name, (tx, g) => {
        if (memberOf(g, me)?.role === 'admin') {
          const next = withMembers(g.state, (ms) => ms.filter((m) => m.peerId !== me));
          if (next.members.length === 0) {
            const left = { ...g, status: 'left' as const };
            saveGroup(ctx, tx, left);
            return left;
          }
          return changeState(ctx, tx, g, next);
        }
        const peers = g.state.members.map((m) => m.peerId).filter((p) => p !== me);
        const left: StoredGroup = { ...g, status: 'left', owed: [] };
        sendLeave(ctx, tx, left, peers);
        saveGroup(ctx, tx, left);
        for (const m of g.state.members) tx.deleteSenderKey(g.state.id, m.peerId);
        tx.deleteGroupLog(g.state.id);
        return left;
      });
    },

    groups(): GroupView[] {
      return store.transaction((tx) => listGroups(ctx, tx).map((g) => groupView(ctx, tx, g)));
    },
    group(name: string): GroupView {
      return store.transaction((tx) => groupView(ctx, tx, findGroup(ctx, tx, name)));
    },

    /**
     * The user accepts a pending invitation (by the group's name or id): checked again, then the
     * members we do not know are introduced, admitted and reached, and we send our sender key.
     */
    acceptGroup(name: string): GroupView {
      const { effects, id } = store.transaction((tx) => {
        const g = findInvitation(ctx, tx, name);
        return { effects: acceptInvitation(ctx, tx, g), id: g.state.id };
      });
      applied(effects);
      return store.transaction((tx) => groupView(ctx, tx, loadGroup(ctx, tx, id) as StoredGroup));
    },

    /**
     * The user declines a pending invitation. The members who are our contacts (the inviter is one)
     * are told we leave, so the group's first admin removes us as for any member who leaves and
     * nobody keeps messages queued for us; nobody else is contacted. The invitation is forgotten.
     */
    declineGroup(name: string): GroupView {
      const { view, peers } = store.transaction((tx) => {
        const g = findInvitation(ctx, tx, name);
        const view = groupView(ctx, tx, g);
        const peers = g.state.members
          .map((m) => m.peerId)
          .filter((p) => p !== me && tx.getContactByPeerId(p) !== undefined);
        sendLeave(ctx, tx, g, peers);
        forgetInvitation(ctx, tx, g);
        return { view: { ...view, status: 'left' as const, invitedBy: null }, peers };
      });
      kickAll(peers);
      ctx.events.emit('group', { group: view, change: 'removed' });
      return view;
    },

    sendText(g: StoredGroup, text: string, replyTo?: MessageRef): MessageView {
      return send(g, replyTo ? { kind: 'text', text, replyTo } : { kind: 'text', text }) as MessageView;
    },
    sendTexts(g: StoredGroup, texts: readonly string[]): MessageView[] {
      const { views, kicks, published } = store.transaction((tx) => {
        const all = texts.map((text) => composeGroup(ctx, tx, g, { kind: 'text', text }));
        const names = memberNames(tx, g);
        return {
          views: all.flatMap((c) => (c.record ? [groupMessageView(ctx, tx, g, c.record, names)] : [])),
          kicks: all.flatMap((c) => c.kicks),
          published: all.flatMap((c) => (c.publish ? [{ ...c.publish, id: c.record?.id }] : [])),
        };
      });
      for (const p of published)
        topics.publish(
          g.state.id,
          p.topic,
          p.data,
          p.id ? { conversationId: g.state.id, sender: 'self', id: p.id } : null,
        );
      kickAll(kicks);
      for (const v of views) ctx.events.emit('message', v);
      return views;
    },
    react(g: StoredGroup, target: MessageRef, emoji: string): void {
      send(g, { kind: 'reaction', target, emoji });
      const views = store.transaction((tx) => {
        const key = target.mine
          ? { conversationId: g.state.id, sender: 'self', id: target.id }
          : findIncoming(tx, g, target.id);
        if (!key || !setOwnReaction(tx, key, emoji, ctx.now())) return [];
        return emitKeys(tx, [key]);
      });
      for (const v of views) ctx.events.emit('message', v);
    },
    edit(g: StoredGroup, id: string, text: string): MessageView {
      const m = ownMessage(g, id);
      send(g, { kind: 'edit', target: { id, mine: true }, text });
      return updateOwn(m, (tx) => {
        const { replyTo } = groupMessageView(ctx, tx, g, m);
        return { text, ...(replyTo ? { replyTo } : {}) };
      });
    },
    deleteForEveryone(g: StoredGroup, id: string): MessageView {
      const m = ownMessage(g, id);
      send(g, { kind: 'delete', target: { id, mine: true } });
      return updateOwn(m, null);
    },
    markRead(g: StoredGroup): number {
      const unread = store.transaction((tx) => {
        const conversation = tx.getConversation(g.state.id);
        if (!conversation) return [];
        const list = tx
          .listMessages(g.state.id, { after: conversation.readUpTo, limit: 1000 })
          .filter((m) => m.sender !== 'self');
        tx.putConversation({
          ...conversation,
          readUpTo: Math.max(conversation.readUpTo, tx.maxSortKey(g.state.id)),
        });
        return list;
      });
      const targets = unread.filter((m) => m.deletedAt === null).map((m) => ({ id: m.id, mine: false }));
      if (ctx.settings.readReceipts && g.status === 'active') {
        for (let i = 0; i < targets.length; i += 256)
          send(g, { kind: 'read', targets: targets.slice(i, i + 256) });
      }
      return unread.length;
    },
    setTyping(g: StoredGroup, active: boolean): void {
      // Large groups: typing is not shown in groups, and on the topic it would spend an iteration
      // that catch-up could never fill.
      if (store.transaction(() => topicOf(ctx, g))) return;
      send(g, { kind: 'typing', active });
    },
    messages(g: StoredGroup, query: { before?: number; limit?: number } = {}): MessageView[] {
      return store.transaction((tx) => {
        const names = memberNames(tx, g); // once per page: every own message lists every member
        return tx
          .listMessages(g.state.id, {
            limit: Math.min(Math.max(query.limit ?? 50, 1), 1000),
            ...(query.before ? { before: query.before } : {}),
          })
          .filter((m) => !isExpiredTombstone(m))
          .map((m) => groupMessageView(ctx, tx, g, m, names));
      });
    },
    message(g: StoredGroup, key: { sender: 'self' | 'peer'; id: string }): MessageView {
      return store.transaction((tx) => {
        const k =
          key.sender === 'self'
            ? { conversationId: g.state.id, sender: 'self', id: key.id }
            : findIncoming(tx, g, key.id);
        const m = k && tx.getMessage(k);
        if (!m) throw new CoreError('unknown-message', `no message ${key.id} in group "${g.state.name}"`);
        return groupMessageView(ctx, tx, g, m);
      });
    },

    /** The view of any stored message: a group's, or a contact's. */
    anyView(tx: StoreTx, contact: ContactRecord, m: MessageRecord): MessageView {
      if (m.conversationId === contact.id) return messageView(tx, ctx.account.vault, contact, m);
      const g = loadGroup(ctx, tx, m.conversationId);
      return g ? groupMessageView(ctx, tx, g, m) : messageView(tx, ctx.account.vault, contact, m);
    },
    /** Emits `message` for group messages whose status changed (the outbox's "sent"). */
    emitMessages(keys: readonly (MessageKey | null)[]): void {
      for (const v of store.transaction((tx) => emitKeys(tx, keys))) ctx.events.emit('message', v);
    },

    /** After the inbox committed: admit introduced members, send what we owe, tell the UI. */
    applied(effects: Effects): void {
      applied(effects);
    },

    /** At start: finish whatever a crash interrupted (keys, owed states, leavers); join large groups' topics. */
    start(): void {
      const kicks = store.transaction((tx) => listGroups(ctx, tx).flatMap((g) => syncGroup(ctx, tx, g)));
      kickAll(kicks);
      topics.start();
    },
    stop(): void {
      topics.stop();
    },
    /** The /parley/query part for large groups' catch-up (undefined: not ours, or refused). */
    answerQuery(peer: string, request: Uint8Array): Uint8Array | undefined {
      return topics.answer(peer, request);
    },
  };

  function changeStateFirst(tx: StoreTx, g: StoredGroup): StoredGroup {
    const peers = g.state.members.map((m) => m.peerId).filter((p) => p !== me);
    const owed = sendState(ctx, tx, g, peers);
    const stored = { ...g, owed };
    saveGroup(ctx, tx, stored);
    return stored;
  }

  function findIncoming(tx: StoreTx, g: StoredGroup, id: string): MessageKey | undefined {
    for (const m of g.state.members) {
      const k = { conversationId: g.state.id, sender: m.peerId, id };
      if (m.peerId !== me && tx.getMessage(k)) return k;
    }
    return undefined;
  }

  function updateOwn(m: MessageRecord, edit: ((tx: StoreTx) => { text: string }) | null): MessageView {
    const view = store.transaction((tx) => {
      const g = loadGroup(ctx, tx, m.conversationId) as StoredGroup;
      if (edit) tx.updateMessage(m, { body: sealBody(ctx.account.vault, m, edit(tx)), editedAt: ctx.now() });
      else tx.updateMessage(m, { body: new Uint8Array(0), deletedAt: ctx.now() });
      return groupMessageView(ctx, tx, g, tx.getMessage(m) ?? m);
    });
    ctx.events.emit('message', view);
    return view;
  }
}
