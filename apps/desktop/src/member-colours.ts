/**
 * Group members' name colours: a palette of MEMBER_COLOURS hues (styles.css --member-0 …, each
 * ≥ 4.5:1 on the page, sidebar and incoming-bubble backgrounds in both themes, and told apart at a
 * glance: ΔE*76 ≥ 25 between any two), given out per member so that no two members of a group share
 * one while it has at most that many others.
 */
import type { GroupMemberView } from './types.ts';

/** How many member colours styles.css defines (--member-0 … --member-7, light and dark). */
export const MEMBER_COLOURS = 8;

const colourVar = (slot: number): string => `var(--member-${slot})`;

/** FNV-1a with a final avalanche (murmur3's fmix32), so similar strings land on different slots. */
function slotOf(key: string): number {
  let h = 0x811c9dc5;
  for (const ch of key) {
    h ^= ch.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % MEMBER_COLOURS;
}

/** A colour for a name alone (a channel's publisher, a member who has left the group). */
export const memberColour = (name: string): string => colourVar(slotOf(name));

/**
 * Each other member's colour, by the name their messages carry. A member's slot comes from their
 * peer id, not their name (a rename or a contact name of ours does not move it); members whose
 * slots collide take the next free one, in peer-id order, so up to MEMBER_COLOURS members all
 * differ. Stable while the membership stays the same; a join or a leave can move only members caught in
 * a collision of slots.
 */
export function memberColours(
  members: readonly Pick<GroupMemberView, 'name' | 'peerId' | 'me'>[],
): ReadonlyMap<string, string> {
  const others = members.filter((m) => !m.me).sort((a, b) => (a.peerId < b.peerId ? -1 : 1));
  const taken = new Set<number>();
  const colours = new Map<string, string>();
  for (const m of others) {
    let slot = slotOf(m.peerId);
    if (taken.size < MEMBER_COLOURS) while (taken.has(slot)) slot = (slot + 1) % MEMBER_COLOURS;
    taken.add(slot);
    colours.set(m.name, colourVar(slot));
  }
  return colours;
}
