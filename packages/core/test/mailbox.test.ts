/**
 * Mailboxes (issue 17): the protocol's bytes, the sender-hiding envelope and the mailbox's side,
 * on an in-memory MailStore.
 */
import { systemRandom } from '@parley/crypto';
import { nodePrimitives as p } from '@parley/crypto/node';
import { describe, expect, it } from 'vitest';
import { CoreError, InboundError, utf8 } from '../src/base/index.ts';
import {
  createMailboxServer,
  decodeDeleteAnswer,
  decodeDepositAnswer,
  decodeFetchAnswer,
  decodeMailboxAddresses,
  decodeMailboxLink,
  decodeMailRequest,
  decodePairAnswer,
  encodeMailboxAddresses,
  encodeMailboxLink,
  encodeMailRequest,
  isMailRequest,
  MailboxError,
  type MailboxServer,
  openEnvelope,
  sealEnvelope,
} from '../src/mailbox/index.ts';
import { createMemoryMailStore } from '../src/testing/index.ts';

const key = () => {
  const secret = systemRandom(32);
  return { secret, pub: p.x25519PublicKey(secret) };
};

describe('mailbox link and card entries', () => {
  it('round-trips a link and refuses damaged ones with a readable error', () => {
    const link = { peerId: '12D3KooWmailbox', secret: systemRandom(32), addresses: ['/ip4/1.2.3.4/tcp/1'] };
    const text = encodeMailboxLink(link);
    expect(text.startsWith('parley://mailbox/')).toBe(true);
    expect(decodeMailboxLink(`  ${text}\n`)).toEqual(link);
    expect(() => decodeMailboxLink('parley://invite/abc')).toThrow(/not a mailbox link/);
    expect(() => decodeMailboxLink(text.slice(0, -6))).toThrow(CoreError);
  });

  it('round-trips the mailboxes a card names, at most three', () => {
    const list = [1, 2, 3].map((i) => ({
      peerId: `12D3KooW${i}`,
      token: systemRandom(16),
      addresses: [`/ip4/10.0.0.${i}/tcp/9`],
    }));
    expect(decodeMailboxAddresses(encodeMailboxAddresses(list))).toEqual(list);
    expect(() => encodeMailboxAddresses([...list, list[0] as (typeof list)[0]])).toThrow(RangeError);
  });
});

describe('mailbox requests', () => {
  it('decodes what it encodes and nothing else', () => {
    const reqs = [
      { kind: 'pair', secret: systemRandom(32) },
      { kind: 'deposit', token: systemRandom(16), envelope: utf8('x') },
      { kind: 'fetch', after: 12345 },
      { kind: 'delete', ids: [1, 2, 3] },
      { kind: 'unpair' },
    ] as const;
    for (const r of reqs) {
      const bytes = encodeMailRequest(r);
      expect(isMailRequest(bytes)).toBe(true);
      expect(decodeMailRequest(bytes)).toEqual(r);
    }
    expect(decodeMailRequest(Uint8Array.of(1, 0x12, 0, 0))).toBeNull(); // truncated
    expect(decodeMailRequest(Uint8Array.of(1, 0x14, 0))).toBeNull(); // trailing
    expect(isMailRequest(Uint8Array.of(1, 0x01))).toBe(false); // a channel sync
  });
});

describe('mailbox envelope', () => {
  const alice = key();
  const bob = key();
  const frames = [utf8('frame one'), systemRandom(3000)];
  const sealed = () =>
    sealEnvelope(p, systemRandom, {
      senderPeerId: 'alice',
      senderSecret: alice.secret,
      recipientKey: bob.pub,
      frames,
    });

  it('opens for the recipient, naming the sender, padded to 256 bytes', () => {
    const env = sealed();
    const opened = openEnvelope(p, bob.secret, env, (peer) => (peer === 'alice' ? alice.pub : undefined));
    expect(opened.senderPeerId).toBe('alice');
    expect(opened.frames).toEqual(frames);
    expect(Buffer.from(env).includes(Buffer.from('alice'))).toBe(false);
    expect(Buffer.from(env).includes(Buffer.from('frame one'))).toBe(false);
  });

  it('refuses a tampered envelope, a stranger, and a sender that is not who the header says', () => {
    const env = sealed();
    const tampered = env.slice();
    tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 1;
    const senderKey = (peer: string) => (peer === 'alice' ? alice.pub : undefined);
    expect(() => openEnvelope(p, bob.secret, tampered, senderKey)).toThrow(InboundError);
    expect(() => openEnvelope(p, bob.secret, env, () => undefined)).toThrow(/not a contact/);
    // Mallory knows Bob's public key and claims to be Alice: the body does not open.
    const mallory = key();
    const forged = sealEnvelope(p, systemRandom, {
      senderPeerId: 'alice',
      senderSecret: mallory.secret,
      recipientKey: bob.pub,
      frames,
    });
    expect(() => openEnvelope(p, bob.secret, forged, senderKey)).toThrow(/forged or damaged/);
    // Not for Carol.
    expect(() => openEnvelope(p, key().secret, env, senderKey)).toThrow(/not for us/);
  });
});

describe('mailbox server', () => {
  const make = (limits = {}, pairing = true) => {
    let now = 1_000_000;
    const store = createMemoryMailStore();
    const server = createMailboxServer({
      store,
      primitives: p,
      random: systemRandom,
      now: () => now,
      limits,
      pairing,
    });
    return { server, store, tick: (ms: number) => (now += ms) };
  };
  const ask = (s: MailboxServer, peer: string, req: Parameters<typeof encodeMailRequest>[0]) =>
    s.answer(peer, encodeMailRequest(req)) as Uint8Array;

  it('pairs with the link secret, takes deposits by token, and serves only the owner', () => {
    const { server } = make();
    expect(() => decodePairAnswer(ask(server, 'bob', { kind: 'pair', secret: systemRandom(32) }))).toThrow(
      expect.objectContaining({ status: 'bad-secret' }),
    );
    const { token } = decodePairAnswer(ask(server, 'bob', { kind: 'pair', secret: server.pairingSecret() }));
    const id1 = decodeDepositAnswer(ask(server, 'alice', { kind: 'deposit', token, envelope: utf8('one') }));
    const id2 = decodeDepositAnswer(ask(server, 'carol', { kind: 'deposit', token, envelope: utf8('two') }));
    expect(id2).toBeGreaterThan(id1);
    expect(() =>
      decodeDepositAnswer(
        ask(server, 'alice', { kind: 'deposit', token: systemRandom(16), envelope: utf8('x') }),
      ),
    ).toThrow(expect.objectContaining({ status: 'unknown-queue' }));
    expect(() => decodeFetchAnswer(ask(server, 'mallory', { kind: 'fetch', after: 0 }))).toThrow(
      expect.objectContaining({ status: 'not-paired' }),
    );
    const page = decodeFetchAnswer(ask(server, 'bob', { kind: 'fetch', after: 0 }));
    expect(page.items.map((i) => new TextDecoder().decode(i.envelope))).toEqual(['one', 'two']);
    expect(page.more).toBe(false);
    // Mallory cannot delete Bob's mail (she has no queue), Bob can.
    expect(() => decodeDeleteAnswer(ask(server, 'mallory', { kind: 'delete', ids: [id1] }))).toThrow(
      MailboxError,
    );
    expect(decodeDeleteAnswer(ask(server, 'bob', { kind: 'delete', ids: [id1, id1, 999] }))).toBe(1);
    expect(decodeFetchAnswer(ask(server, 'bob', { kind: 'fetch', after: 0 })).items.map((i) => i.id)).toEqual(
      [id2],
    );
  });

  it('re-pairing changes the token: the old one stops working, the mail stays', () => {
    const { server } = make();
    const pair = () =>
      decodePairAnswer(ask(server, 'bob', { kind: 'pair', secret: server.pairingSecret() })).token;
    const first = pair();
    decodeDepositAnswer(ask(server, 'alice', { kind: 'deposit', token: first, envelope: utf8('kept') }));
    const second = pair();
    expect(() =>
      decodeDepositAnswer(ask(server, 'alice', { kind: 'deposit', token: first, envelope: utf8('x') })),
    ).toThrow(MailboxError);
    decodeDepositAnswer(ask(server, 'alice', { kind: 'deposit', token: second, envelope: utf8('y') }));
    expect(decodeFetchAnswer(ask(server, 'bob', { kind: 'fetch', after: 0 })).items).toHaveLength(2);
  });

  it('a new pairing secret stops the old link; accounts already paired stay paired', () => {
    const { server } = make();
    const old = server.pairingSecret();
    const { token } = decodePairAnswer(ask(server, 'bob', { kind: 'pair', secret: old }));
    const fresh = server.newPairingSecret();
    expect(fresh).not.toEqual(old);
    expect(() => decodePairAnswer(ask(server, 'carol', { kind: 'pair', secret: old }))).toThrow(
      expect.objectContaining({ status: 'bad-secret' }),
    );
    decodePairAnswer(ask(server, 'carol', { kind: 'pair', secret: fresh }));
    decodeDepositAnswer(ask(server, 'alice', { kind: 'deposit', token, envelope: utf8('still works') }));
  });

  it('enforces quotas per account and per depositor, and expires old mail', () => {
    const { server, tick } = make({ maxItemsPerAccount: 3, maxItemsPerDepositor: 2, expiryMs: 10_000 });
    const { token } = decodePairAnswer(ask(server, 'bob', { kind: 'pair', secret: server.pairingSecret() }));
    const put = (from: string) => () =>
      decodeDepositAnswer(ask(server, from, { kind: 'deposit', token, envelope: utf8(from) }));
    put('alice')();
    put('alice')();
    expect(put('alice')).toThrow(expect.objectContaining({ status: 'full' }));
    put('carol')();
    expect(put('dave')).toThrow(expect.objectContaining({ status: 'full' }));
    tick(70_000); // past the expiry, and past the sweep interval
    put('dave')();
    expect(decodeFetchAnswer(ask(server, 'bob', { kind: 'fetch', after: 0 })).items).toHaveLength(1);
  });

  it('bounds how many accounts it serves, and a node without pairing refuses links', () => {
    const { server } = make({ maxAccounts: 1 });
    decodePairAnswer(ask(server, 'bob', { kind: 'pair', secret: server.pairingSecret() }));
    expect(() =>
      decodePairAnswer(ask(server, 'carol', { kind: 'pair', secret: server.pairingSecret() })),
    ).toThrow(expect.objectContaining({ status: 'too-many-accounts' }));
    const friend = make({}, false).server;
    expect(() =>
      decodePairAnswer(ask(friend, 'bob', { kind: 'pair', secret: friend.pairingSecret() })),
    ).toThrow(expect.objectContaining({ status: 'bad-secret' }));
    const { token } = friend.offer('bob');
    decodeDepositAnswer(ask(friend, 'alice', { kind: 'deposit', token, envelope: utf8('held') }));
    expect(friend.revoke('bob')).toBe(true);
    expect(() =>
      decodeDepositAnswer(ask(friend, 'alice', { kind: 'deposit', token, envelope: utf8('x') })),
    ).toThrow(MailboxError);
  });

  it('a friend’s daemon pairs only the listed devices of an account it offered to, and serves them only while listed', () => {
    const secret = systemRandom(32);
    const listed = new Set(['laptop', 'desktop']);
    const server = createMailboxServer({
      store: createMemoryMailStore(),
      primitives: p,
      random: systemRandom,
      now: () => 1_000_000,
      pairing: false,
      guests: {
        mayPair: (peer, given) => listed.has(peer) && Buffer.from(given).equals(Buffer.from(secret)),
        serves: (owner) => listed.has(owner),
      },
    });
    const pair = (peer: string, s: Uint8Array) => () =>
      decodePairAnswer(ask(server, peer, { kind: 'pair', secret: s }));
    expect(pair('mallory', secret)).toThrow(expect.objectContaining({ status: 'bad-secret' }));
    expect(pair('laptop', systemRandom(32))).toThrow(expect.objectContaining({ status: 'bad-secret' }));
    expect(pair('laptop', server.pairingSecret())).toThrow(expect.objectContaining({ status: 'bad-secret' }));
    const { token } = pair('laptop', secret)();
    pair('desktop', secret)();
    decodeDepositAnswer(ask(server, 'bob', { kind: 'deposit', token, envelope: utf8('for the laptop') }));
    expect(decodeFetchAnswer(ask(server, 'laptop', { kind: 'fetch', after: 0 })).items).toHaveLength(1);
    // Removed from the list: refused, its queue closed with what it held; the other stays.
    listed.delete('laptop');
    expect(() => decodeFetchAnswer(ask(server, 'laptop', { kind: 'fetch', after: 0 }))).toThrow(
      expect.objectContaining({ status: 'not-paired' }),
    );
    expect(server.owners()).toEqual(['desktop']);
    expect(() =>
      decodeDepositAnswer(ask(server, 'bob', { kind: 'deposit', token, envelope: utf8('x') })),
    ).toThrow(expect.objectContaining({ status: 'unknown-queue' }));
    expect(pair('laptop', secret)).toThrow(expect.objectContaining({ status: 'bad-secret' }));
  });

  it('answers garbage with bad-request and never with an exception', () => {
    const { server } = make();
    expect(() => decodeFetchAnswer(server.answer('x', Uint8Array.of(1, 0x12, 9)) as Uint8Array)).toThrow(
      expect.objectContaining({ status: 'bad-request' }),
    );
  });
});
