/** JSON-RPC methods for groups (docs/API.md "Groups"): a thin layer over the Messenger's group API. */
import { CoreError, GROUP_PICTURE_MAX_BYTES, type GroupView, type Messenger } from '@parley/core';
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

/** A base64 picture (standard or url-safe alphabet), or null to remove it. */
function picture(p: Record<string, unknown>): Uint8Array | null {
  const v = p.data;
  if (v === null) return null;
  if (typeof v !== 'string' || v.length === 0 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(v))
    throw bad('"data" must be the picture in base64, or null to remove it');
  if (v.length > Math.ceil(GROUP_PICTURE_MAX_BYTES / 3) * 4 + 4)
    throw bad(`the picture is larger than ${GROUP_PICTURE_MAX_BYTES / 1024} KiB; use a smaller image`);
  return new Uint8Array(Buffer.from(v, 'base64'));
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
    'groups.setPicture': (p) => m.setGroupPicture(str(p, 'name'), picture(p)),
    // A group invitation is a request (docs/GROUPS.md "Invitations"): `group` is its name or id.
    'groups.accept': (p) => m.acceptGroup(str(p, 'group')),
    'groups.decline': (p) => m.declineGroup(str(p, 'group')),
    'groups.picture': (p) => {
      const pic = m.groupPicture(str(p, 'name'));
      return pic ? { type: pic.type, data: Buffer.from(pic.data).toString('base64') } : null;
    },
  };
}
