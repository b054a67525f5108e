/** JSON-RPC methods for groups (docs/API.md "Groups"): a thin layer over the Messenger's group API. */
import { CoreError, type GroupView, type Messenger } from '@parley/core';
import type { Method } from './rpc-methods.ts';

const bad = (message: string): CoreError => new CoreError('bad-input', message);

function str(p: Record<string, unknown>, key: string): string {
  const v = p[key];
  if (typeof v !== 'string' || v.length === 0) throw bad(`"${key}" must be a non-empty string`);
  return v;
}

function names(p: Record<string, unknown>, key: string): string[] {
  const v = p[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x.length > 0))
    throw bad(`"${key}" must be a non-empty array of names`);
  return v as string[];
}

export function groupMethods(m: Messenger): Record<string, Method> {
  return {
    'groups.list': (): GroupView[] => m.groups(),
    'groups.get': (p) => m.group(str(p, 'name')),
    'groups.create': (p) => m.createGroup(str(p, 'name'), names(p, 'members')),
    'groups.add': (p) => m.addToGroup(str(p, 'name'), names(p, 'members')),
    'groups.remove': (p) => m.removeFromGroup(str(p, 'name'), str(p, 'member')),
    'groups.leave': (p) => m.leaveGroup(str(p, 'name')),
    'groups.rename': (p) => m.renameGroup(str(p, 'name'), str(p, 'newName')),
  };
}
