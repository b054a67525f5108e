/**
 * Every method of the daemon's local API (docs/API.md), described once: its params, exactly as
 * the daemon accepts them, and its result. The daemon validates through this table, serves it as
 * an OpenRPC document (`rpc.discover`, openrpc.ts), and the typed client (client.ts) is typed by it.
 *
 * Pure (no Node APIs) so the desktop bundle can import it. Valibot rather than zod: it is built
 * from small functions a bundler can drop one by one, so a bundle pays only for the validators it
 * uses (a few kB), where zod's object API pulls in the whole library.
 *
 * A message names no parameter: `checkParams` (validate.ts) puts the top-level key in front
 * ("\"name\" must be a non-empty string"), and a nested schema repeats its parent's message so
 * the error speaks of the parameter the caller wrote.
 */
import * as v from 'valibot';
import * as views from './views.ts';

const NON_EMPTY = 'must be a non-empty string';
const NUMBER = 'must be a number';
const BOOLEAN = 'must be true or false';
const STRING = 'must be a string';

/** A name, id, link or path: a string of at least one character. */
const required = () => v.pipe(v.string(NON_EMPTY), v.minLength(1, NON_EMPTY));
/** Absent or null, or a non-empty string. */
const nullishString = () => v.nullish(required());
/** Absent or null, or a number. */
const nullishNumber = () => v.nullish(v.number(NUMBER));
/** Absent, or true or false. */
const flag = () => v.optional(v.boolean(BOOLEAN));
/** True or false; `fallback` when absent. */
const flagOr = (fallback: boolean) => v.optional(v.boolean(BOOLEAN), fallback);

const none = v.object({});
const contact = v.object({ contact: required() });
const named = v.object({ name: required() });
const namedContact = v.object({ name: required(), contact: required() });
const attachmentKey = v.object({ contact: required(), id: required() });
const rename = v.object({ name: required(), newName: required() });
const groupAnswer = v.object({ group: required() });

const MEMBERS = 'must be a non-empty array of names';
const members = () =>
  v.pipe(v.array(v.pipe(v.string(MEMBERS), v.minLength(1, MEMBERS)), MEMBERS), v.minLength(1, MEMBERS));
const REPLY_TO = 'must be {id, mine}';
const PICTURE = 'must be the picture in base64, or null to remove it';
const LIMIT = 'must be 1..1000';
const INTEGER = 'must be an integer';
const TEXTS = 'must be an array of strings';
const SEARCH_QUERY = 'must be 1..256 characters of text to search for';
const SEARCH_LIMIT = 'must be an integer from 1 to 100';

/** A readonly array, as core hands out. */
const list = <S extends v.GenericSchema>(item: S) => v.pipe(v.array(item), v.readonly());

const stopping = v.object({ stopping: v.literal(true) });
const accountState = v.object({ state: views.daemonState });
const nothing = v.null();

interface MethodSpec {
  readonly summary: string;
  readonly params: v.ObjectSchema<v.ObjectEntries, undefined>;
  readonly result: v.GenericSchema;
  /** Reads or writes a file by its path: only token callers may call it (docs/API.md). */
  readonly tokenOnly?: true;
}

const method = <P extends MethodSpec['params'], R extends v.GenericSchema>(
  summary: string,
  params: P,
  result: R,
  tokenOnly?: true,
) => ({ summary, params, result, ...(tokenOnly ? { tokenOnly } : {}) });

export const METHODS = {
  'rpc.discover': method(
    'This API as an OpenRPC 1.3 document.',
    none,
    v.looseObject({ openrpc: v.string() }),
  ),
  'daemon.state': method(
    'Whether the daemon has an account, and whether it is unlocked.',
    none,
    v.object({ state: views.daemonState, version: v.string(), pid: v.number() }),
  ),
  'daemon.stop': method('Flushes and stops the daemon.', none, stopping),
  'account.create': method(
    'Creates the account; without a passphrase its key lives in a file beside the database.',
    v.object({ name: v.string(STRING), passphrase: v.nullish(v.string(STRING)) }),
    accountState,
  ),
  'account.link': method(
    'Makes this daemon a new device of an account used elsewhere: `link` from `devices.link` there (a secret), `name` this device’s name; without a passphrase its key lives in a file.',
    v.object({ link: v.string(STRING), name: v.string(STRING), passphrase: v.nullish(v.string(STRING)) }),
    accountState,
  ),
  'account.unlock': method(
    'Unlocks the account with its passphrase.',
    v.object({ passphrase: v.string(STRING) }),
    accountState,
  ),
  'account.get': method(
    'Your own profile: name, peer id, fingerprint, and whether a passphrase or a key file protects the account.',
    none,
    views.profile,
  ),
  'account.rename': method(
    'Renames yourself: the name new invites and cards carry (1..64 characters, no control characters).',
    named,
    views.profile,
  ),
  'account.changePassphrase': method(
    'Sets a new passphrase (8..1024 characters); `passphrase` is the current one (none for an account protected by a key file, whose key file then goes).',
    v.object({ passphrase: v.nullish(v.string(STRING)), newPassphrase: v.string(STRING) }),
    views.profile,
  ),
  status: method('This node: identity, counts, daemon version and reachability.', none, views.status),
  id: method(
    'This identity: peer id, name, fingerprint (its half of every safety number) and addresses.',
    none,
    views.identity,
  ),
  'settings.get': method('The account settings.', none, views.settings),
  'settings.update': method(
    'Changes the settings given; returns them all.',
    v.object({ readReceipts: flag() }),
    views.settings,
  ),
  'invite.create': method(
    'An invite link for a new contact.',
    v.object({ reusable: flagOr(false), ttlMs: nullishNumber() }),
    views.invite,
  ),
  'contacts.list': method('All contacts.', none, list(views.contactView)),
  'contacts.get': method('One contact.', named, views.contactView),
  'contacts.add': method(
    'Accepts an invite link; `name` is what to call the contact.',
    v.object({ link: required(), name: nullishString() }),
    views.contactView,
  ),
  'contacts.rename': method('Renames a contact.', rename, views.contactView),
  'contacts.remove': method('Removes a contact.', named, views.contactView),
  'contacts.safetyNumber': method(
    'The safety number to compare with the contact (qr: base64url payload).',
    named,
    views.safetyNumber,
  ),
  'contacts.verify': method(
    'Marks the contact verified (or not).',
    v.object({ name: required(), verified: flagOr(true) }),
    views.contactView,
  ),
  'contacts.acceptKey': method("Accepts a contact's changed identity key.", named, views.contactView),
  'messages.send': method(
    'Queues a text message (or a reply) to a contact, group or channel.',
    v.object({
      contact: required(),
      text: v.string(STRING),
      replyTo: v.optional(v.object({ id: v.string(REPLY_TO), mine: v.boolean(REPLY_TO) }, REPLY_TO)),
    }),
    views.messageView,
  ),
  'messages.sendMany': method(
    'Queues several text messages, in order.',
    v.object({ contact: required(), texts: v.array(v.string(TEXTS), TEXTS) }),
    list(views.messageView),
  ),
  'messages.sendFile': method(
    'Sends the file at `path` on this machine.',
    v.object({
      contact: required(),
      path: required(),
      caption: v.optional(v.string(STRING)),
      mime: v.optional(v.string(STRING)),
    }),
    views.messageView,
    true,
  ),
  'messages.list': method(
    'A page of messages, newest last; `before` is a `sortKey` to page back from.',
    v.object({ contact: required(), limit: nullishNumber(), before: nullishNumber() }),
    list(views.messageView),
  ),
  'messages.search': method(
    'Full-text search over every conversation (or one), newest first: case- and accent-insensitive, each word a prefix, CJK and emoji runs as phrases. Pass `next` as `before` for the next page.',
    v.object({
      query: v.pipe(
        v.string(SEARCH_QUERY),
        v.trim(),
        v.minLength(1, SEARCH_QUERY),
        v.maxLength(256, SEARCH_QUERY),
      ),
      conversation: nullishString(),
      limit: v.nullish(
        v.pipe(
          v.number(SEARCH_LIMIT),
          v.integer(SEARCH_LIMIT),
          v.minValue(1, SEARCH_LIMIT),
          v.maxValue(100, SEARCH_LIMIT),
        ),
      ),
      before: nullishString(),
    }),
    v.pipe(v.object({ hits: list(views.searchHit), next: v.nullable(v.string()) }), v.readonly()),
  ),
  'messages.get': method(
    'One message, by the id its sender gave it.',
    v.object({
      contact: required(),
      id: required(),
      sender: v.optional(v.picklist(['self', 'peer'], 'must be "self" or "peer"')),
    }),
    views.messageView,
  ),
  'messages.react': method(
    "Reacts to a message; emoji '' removes our reaction.",
    v.object({
      contact: required(),
      id: required(),
      mine: flagOr(false),
      emoji: v.optional(v.string(STRING)),
    }),
    nothing,
  ),
  'messages.edit': method(
    'Edits one of our messages.',
    v.object({ contact: required(), id: required(), text: required() }),
    views.messageView,
  ),
  'messages.delete': method(
    'Deletes one of our messages for everyone.',
    v.object({ contact: required(), id: required() }),
    views.messageView,
  ),
  'messages.deleteForMe': method(
    'Deletes a message (ours or theirs) on this device only; nothing is sent.',
    v.object({
      contact: required(),
      id: required(),
      sender: v.optional(v.picklist(['self', 'peer'], 'must be "self" or "peer"')),
    }),
    nothing,
  ),
  'conversations.list': method('The 1:1 conversations.', none, list(views.conversationView)),
  'conversations.markRead': method('Marks a conversation read.', contact, v.object({ read: v.number() })),
  'conversations.markUnread': method(
    'Marks a conversation unread until it is read again (this device only).',
    contact,
    nothing,
  ),
  'drafts.set': method(
    "Keeps (or, with blank text, deletes) a conversation's unsent text.",
    v.object({ conversation: required(), text: v.string(STRING) }),
    nothing,
  ),
  'drafts.list': method('Every unsent draft, oldest written first.', none, list(views.draftView)),
  'conversations.setDisappearing': method(
    'Sets (ms) or clears (null) the disappearing-messages timer.',
    v.object({ contact: required(), ms: nullishNumber() }),
    nothing,
  ),
  'typing.set': method(
    'Tells the contact we are typing (or stopped).',
    v.object({ contact: required(), active: flagOr(true) }),
    nothing,
  ),
  'attachments.get': method(
    "An attachment's name, type and transfer state.",
    attachmentKey,
    v.intersect([views.attachmentProgress, v.object({ name: v.string(), mime: v.string() })]),
  ),
  'attachments.download': method(
    'Starts downloading an attachment.',
    attachmentKey,
    views.attachmentProgress,
  ),
  'attachments.cancel': method('Cancels a transfer.', attachmentKey, views.attachmentProgress),
  'attachments.save': method(
    'Decrypts an attachment to `path` (a file, or a folder to put it in).',
    v.object({ contact: required(), id: required(), path: required(), overwrite: flag() }),
    v.object({ path: v.string(), name: v.string(), size: v.number() }),
    true,
  ),
  'groups.list': method('All groups.', none, list(views.groupView)),
  'groups.get': method('One group.', named, views.groupView),
  'groups.create': method(
    'Creates a group with these contacts.',
    v.object({ name: required(), members: members() }),
    views.groupView,
  ),
  'groups.add': method(
    'Adds contacts to a group.',
    v.object({ name: required(), members: members() }),
    views.groupView,
  ),
  'groups.remove': method(
    'Removes a member from a group.',
    v.object({ name: required(), member: required() }),
    views.groupView,
  ),
  'groups.setRole': method(
    'Admins: makes a member an admin ("admin") or an admin a member again ("member").',
    v.object({ name: required(), member: required(), role: v.picklist(['admin', 'member']) }),
    views.groupView,
  ),
  'groups.leave': method('Leaves a group.', named, views.groupView),
  'groups.rename': method('Renames a group.', rename, views.groupView),
  'groups.setPicture': method(
    "Sets (base64 data) or removes (null) the group's picture.",
    v.object({
      name: required(),
      // (v.nullable's second argument is a default, not a message: null must stay null.)
      data: v.nullable(v.pipe(v.string(PICTURE), v.regex(/^[A-Za-z0-9+/_-]+={0,2}$/, PICTURE))),
    }),
    views.groupView,
  ),
  'groups.accept': method('Accepts a group invitation (by group name or id).', groupAnswer, views.groupView),
  'groups.decline': method(
    'Declines a group invitation (by group name or id).',
    groupAnswer,
    views.groupView,
  ),
  'groups.picture': method(
    "The group's picture, base64, or null.",
    named,
    v.nullable(v.object({ type: v.string(), data: v.string() })),
  ),
  'channels.list': method('All channels.', none, list(views.channelView)),
  'channels.get': method('One channel.', named, views.channelView),
  'channels.create': method(
    'Creates a channel; a private one approves its followers.',
    v.object({ name: required(), private: flag() }),
    views.channelView,
  ),
  'channels.invite': method("A channel's link.", named, v.object({ link: v.string() })),
  'channels.follow': method(
    'Follows a channel by its link.',
    v.object({ link: required(), name: v.optional(required()) }),
    views.channelView,
  ),
  'channels.post': method(
    'Posts to a channel.',
    v.object({ name: required(), text: required() }),
    views.messageView,
  ),
  'channels.postFile': method(
    'Posts the file at `path` on this machine to a channel, `text` its caption (the owner and publishers only); the desktop app uploads through /upload with the channel as `contact`.',
    v.object({
      name: required(),
      path: required(),
      text: v.optional(v.string(STRING)),
      mime: v.optional(v.string(STRING)),
    }),
    views.messageView,
    true,
  ),
  'channels.posts': method(
    'A page of posts; `before` is a `sortKey`.',
    v.object({
      name: required(),
      limit: v.optional(
        v.pipe(v.number(LIMIT), v.integer(LIMIT), v.minValue(1, LIMIT), v.maxValue(1000, LIMIT)),
      ),
      before: v.optional(v.pipe(v.number(INTEGER), v.integer(INTEGER))),
    }),
    list(views.messageView),
  ),
  'channels.unfollow': method('Stops following a channel.', named, views.channelView),
  'channels.approve': method('Approves a follow request.', namedContact, views.channelView),
  'channels.removeFollower': method('Removes a follower.', namedContact, views.channelView),
  'channels.addPublisher': method('Lets a contact publish to our channel.', namedContact, views.channelView),
  'channels.removePublisher': method(
    'Stops a contact publishing to our channel.',
    namedContact,
    views.channelView,
  ),
  'channels.sync': method(
    'Fetches new posts now (one channel, or all).',
    v.object({ name: v.optional(required()) }),
    v.object({ stored: v.number() }),
  ),
  'devices.list': method('This account’s devices (docs/MULTI-DEVICE.md).', none, list(views.deviceView)),
  'devices.link': method(
    'A one-time parley://device/ link (a secret, valid 10 minutes) for `parley init --link` on a new device.',
    none,
    v.object({ link: v.string(), expiresAt: v.number() }),
  ),
  'devices.remove': method(
    'Removes a device (its id or PeerId) from the account: nothing new is encrypted to it.',
    v.object({ id: required() }),
    views.deviceView,
  ),
  'mailboxes.list': method(
    'The mailboxes that hold our mail while we are away.',
    none,
    list(views.mailboxView),
  ),
  'mailboxes.add': method(
    'Pairs with the mailbox of a parley://mailbox/ link (a secret); contacts learn it from our card.',
    v.object({ link: required() }),
    views.mailboxView,
  ),
  'mailboxes.remove': method(
    'Stops using a mailbox (its PeerId or a unique prefix).',
    v.object({ id: required() }),
    v.object({ removed: v.string() }),
  ),
  'mailboxes.offer': method(
    'Offers to hold a contact’s mail on this daemon while they are away.',
    contact,
    v.object({ contact: v.string() }),
  ),
  'mailboxes.revoke': method(
    'Stops holding a contact’s mail (what is held is deleted; they are told).',
    contact,
    v.object({ contact: v.string(), revoked: v.boolean() }),
  ),
  'mailboxes.accept': method('Accepts a contact’s offer to hold our mail.', contact, views.mailboxView),
  'mailboxes.offers': method(
    'Offers from contacts not answered yet, and the contacts we hold mail for.',
    none,
    v.object({
      offers: list(v.pipe(v.object({ contact: v.string(), receivedAt: v.number() }), v.readonly())),
      hosting: list(v.string()),
    }),
  ),
  'mailboxes.drain': method(
    'Fetches what our mailboxes hold now.',
    none,
    v.object({ envelopes: v.number(), frames: v.number() }),
  ),
} satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof METHODS;

/** What a caller sends: optional params may be left out. */
export type ParamsOf<M extends MethodName> = v.InferInput<(typeof METHODS)[M]['params']>;
/** What a handler receives after validation: defaults filled in, extra keys dropped. */
export type CheckedParams<M extends MethodName> = v.InferOutput<(typeof METHODS)[M]['params']>;
/** What the method returns (loose for the larger views: see views.ts). */
export type ResultOf<M extends MethodName> = v.InferOutput<(typeof METHODS)[M]['result']>;

export const METHOD_NAMES: readonly MethodName[] = Object.keys(METHODS) as MethodName[];

/** Own-property lookup, so `toString` or `__proto__` is never a method. */
export const isMethodName = (name: string): name is MethodName => Object.hasOwn(METHODS, name);
