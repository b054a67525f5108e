/** The words for a contact's device list change (the `devices` event). */
export interface DevicesChange {
  readonly contact: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

const names = (list: readonly string[]): string => list.map((n) => `“${n}”`).join(', ');

export function devicesNotice({ contact, added, removed }: DevicesChange): string {
  const parts: string[] = [];
  if (added.length) parts.push(`${contact} linked a new device: ${names(added)}`);
  if (removed.length) parts.push(`${contact} removed a device: ${names(removed)}`);
  if (!parts.length) return `${contact}’s devices changed`;
  return `${parts.join('; ')}. Your messages to ${contact} now go to their current devices; the safety number is unchanged.`;
}
