/**
 * Group pictures: fetched once per picture id (`groups.picture`) and cached
 * as data: URLs; admins choose an image, which is scaled down in a canvas to
 * at most 256×256 JPEG so it fits the 32 KiB limit every member enforces.
 */
import { type ChangeEvent, useEffect, useState } from 'react';
import { call, RpcError } from './api.ts';
import type { GroupView } from './types.ts';

/** Pictures by id; bounded (oldest dropped first). */
const cache = new Map<string, string>();
const CACHE_MAX = 64;
const PICTURE_MAX_BYTES = 32 * 1024;
const PICTURE_SIDE_PX = 256;

/** The group's picture as a data: URL, or null while there is none (or it is loading). */
export function useGroupPicture(group: Pick<GroupView, 'name' | 'picture'>): string | null {
  const id = group.picture?.id ?? null;
  const [url, setUrl] = useState<string | null>(id ? (cache.get(id) ?? null) : null);
  useEffect(() => {
    if (!id) {
      setUrl(null);
      return;
    }
    const hit = cache.get(id);
    if (hit) {
      setUrl(hit);
      return;
    }
    let live = true;
    void call('groups.picture', { name: group.name }).then(
      (p) => {
        if (!p || !/^image\/(png|jpeg|webp|gif)$/.test(p.type)) return;
        const next = `data:${p.type};base64,${p.data}`;
        cache.set(id, next);
        if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value as string);
        if (live) setUrl(next);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [id, group.name]);
  return url;
}

/** Draws the image into at most PICTURE_SIDE_PX square (cover) and encodes it as JPEG under the limit. */
async function shrink(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const side = Math.min(PICTURE_SIDE_PX, bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no canvas');
  const crop = Math.min(bitmap.width, bitmap.height);
  ctx.drawImage(bitmap, (bitmap.width - crop) / 2, (bitmap.height - crop) / 2, crop, crop, 0, 0, side, side);
  bitmap.close();
  for (const quality of [0.85, 0.7, 0.5, 0.35]) {
    const url = canvas.toDataURL('image/jpeg', quality);
    const base64 = url.slice(url.indexOf(',') + 1);
    if ((base64.length * 3) / 4 <= PICTURE_MAX_BYTES) return base64;
  }
  throw new Error('too large');
}

/** Admins: choose, change or remove the group picture. */
export function GroupPictureEditor({
  group,
  onChanged,
}: {
  readonly group: GroupView;
  readonly onChanged: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (data: string | null) => {
    setBusy(true);
    setError(null);
    void call('groups.setPicture', { name: group.name, data })
      .then(onChanged, (err: unknown) =>
        setError(err instanceof RpcError ? err.message : 'That did not work.'),
      )
      .finally(() => setBusy(false));
  };
  const choose = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    void shrink(file).then(set, () => setError('That image could not be read; choose a PNG, JPEG or WebP.'));
  };
  return (
    <section className="inline-form" aria-label="Group picture">
      <label className="button">
        {group.picture ? 'Change picture' : 'Set picture'}
        <input
          type="file"
          accept="image/png,image/jpeg,image/webp,image/gif"
          className="visually-hidden"
          aria-label="Choose group picture"
          disabled={busy}
          onChange={choose}
        />
      </label>
      {group.picture && (
        <button type="button" className="button" disabled={busy} onClick={() => set(null)}>
          Remove picture
        </button>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
