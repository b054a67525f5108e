/** JSON-RPC methods for groups (docs/API.md "Groups"): a thin layer over the Messenger's group API. */
import { GROUP_PICTURE_MAX_BYTES, type GroupView, type Messenger } from '@parley/core';
import { badInput, handlers, type Method } from './rpc-methods.ts';

/** The picture's bytes (its base64 shape is checked by the schema), or null to remove it. */
function pictureBytes(data: string | null): Uint8Array | null {
  if (data === null) return null;
  if (data.length > Math.ceil(GROUP_PICTURE_MAX_BYTES / 3) * 4 + 4)
    throw badInput(`the picture is larger than ${GROUP_PICTURE_MAX_BYTES / 1024} KiB; use a smaller image`);
  return new Uint8Array(Buffer.from(data, 'base64'));
}

export function groupMethods(m: Messenger): Record<string, Method> {
  return handlers({
    'groups.list': (): GroupView[] => m.groups(),
    'groups.get': (p) => m.group(p.name),
    'groups.create': (p) => m.createGroup(p.name, p.members),
    'groups.add': (p) => m.addToGroup(p.name, p.members),
    'groups.remove': (p) => m.removeFromGroup(p.name, p.member),
    'groups.setRole': (p) => m.setGroupRole(p.name, p.member, p.role),
    'groups.leave': (p) => m.leaveGroup(p.name),
    'groups.rename': (p) => m.renameGroup(p.name, p.newName),
    'groups.setPicture': (p) => m.setGroupPicture(p.name, pictureBytes(p.data)),
    // A group invitation is a request (docs/GROUPS.md "Invitations"): `group` is its name or id.
    'groups.accept': (p) => m.acceptGroup(p.group),
    'groups.decline': (p) => m.declineGroup(p.group),
    'groups.picture': (p) => {
      const pic = m.groupPicture(p.name);
      return pic ? { type: pic.type, data: Buffer.from(pic.data).toString('base64') } : null;
    },
  });
}
