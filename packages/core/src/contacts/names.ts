/** Local names of contacts. */
import type { ContactsTx } from '../ports/index.ts';

/** Picks `wanted`, or `wanted 2`, `wanted 3`… if taken. */
export function freeName(tx: ContactsTx, wanted: string): string {
  let name = wanted;
  for (let i = 2; tx.getContactByName(name); i++) name = `${wanted.slice(0, 60)} ${i}`;
  return name;
}
