/** Who is typing in a group, from the event stream's `typing` events, and that as a line of text. */
import { useEffect, useState } from 'react';
import type { EventStream } from './api.ts';

/** A member shown as typing is forgotten after this long without news (a lost "stopped"). */
const TYPING_SHOWN_MS = 8_000;

/** Who is typing in the group `name` now (member names), from the event stream. */
export function useGroupTyping(name: string, stream: EventStream): readonly string[] {
  const [typing, setTyping] = useState<ReadonlyMap<string, number>>(new Map());
  useEffect(() => {
    setTyping(new Map());
    const off = stream.on((e) => {
      if (e.type !== 'typing' || e.data.contact !== name || !e.data.member) return;
      const member = e.data.member;
      setTyping((t) => {
        const next = new Map(t);
        if (e.data.active) next.set(member, Date.now());
        else next.delete(member);
        return next;
      });
    });
    const timer = setInterval(() => {
      setTyping((t) => {
        const now = Date.now();
        const fresh = [...t].filter(([, at]) => now - at < TYPING_SHOWN_MS);
        return fresh.length === t.size ? t : new Map(fresh);
      });
    }, 1_000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [name, stream]);
  return [...typing.keys()];
}

export function typingLine(members: readonly string[]): string {
  if (members.length === 1) return `${members[0]} is typing…`;
  if (members.length === 2) return `${members[0]} and ${members[1]} are typing…`;
  return 'Several people are typing…';
}
