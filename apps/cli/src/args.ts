/** Positional arguments of a command, counted before the command uses them. */
import { parseArgs } from 'node:util';
import { usageError } from './cli-error.ts';

/** `N` strings, then any more: what a count checked at run time tells the compiler. */
export type AtLeast<N extends number, T extends string[] = []> = T['length'] extends N
  ? [...T, ...string[]]
  : AtLeast<N, [...T, string]>;

/** The positionals of `argv` (no options), `min..max` of them, else a usage error. */
export function positionals<Min extends number>(
  argv: string[],
  min: Min,
  max: number,
  usage: string,
): AtLeast<Min> {
  const { positionals: p } = parseArgs({ args: argv, options: {}, strict: true, allowPositionals: true });
  if (p.length < min || p.length > max) throw usageError(`usage: ${usage}`);
  return p as AtLeast<Min>;
}
