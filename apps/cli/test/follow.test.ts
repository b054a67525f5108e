import type { MessageView } from '@parley/core';
import { describe, expect, it } from 'vitest';
import { catchUp } from '../src/commands/messages.ts';

const view = (id: string, status: MessageView['status'], sortKey: number): MessageView => ({
  id,
  conversationId: 'c',
  contact: 'bob',
  direction: 'out',
  from: 'me',
  seq: sortKey,
  sortKey,
  text: `text ${id}`,
  replyTo: null,
  sentAt: sortKey,
  receivedAt: sortKey,
  status,
  error: null,
  edited: false,
  deleted: false,
  expiresAt: null,
  reactions: [],
  attachment: null,
  gapBefore: false,
});

describe('messages --follow: the history and the events that came while it loaded', () => {
  it('prints the history in place, each message as the newest event about it says', () => {
    const history = [view('a', 'read', 1), view('b', 'sent', 2), view('c', 'queued', 3)];
    // c's events: its delivery came before the (older) list answer
    const events = new Map([['c', view('c', 'delivered', 3)]]);
    expect(catchUp(history, events).map((m) => `${m.id}:${m.status}`)).toEqual([
      'a:read',
      'b:sent',
      'c:delivered',
    ]);
  });

  it('then the messages only events know of, in the order they first came', () => {
    const history = [view('a', 'delivered', 1)];
    const events = new Map<string, MessageView>();
    events.set('y', view('y', 'queued', 3));
    events.set('x', view('x', 'delivered', 2));
    events.set('a', view('a', 'read', 1));
    events.set('y', view('y', 'sent', 3)); // a later event about y keeps y's place
    expect(catchUp(history, events).map((m) => `${m.id}:${m.status}`)).toEqual([
      'a:read',
      'y:sent',
      'x:delivered',
    ]);
  });

  it('without events it is the history', () => {
    const history = [view('a', 'read', 1), view('b', 'sent', 2)];
    expect(catchUp(history, new Map())).toEqual(history);
  });
});
