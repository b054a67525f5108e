/**
 * Where attachment bytes live: outside the database, as encrypted blobs
 * (sealed file chunks, exactly as they travel). core names blobs itself
 * (`out-<id>`, `in-<peer-hash>-<id>`: hex only), so no name from a peer ever
 * reaches the file system. The daemon implements it on files in the data
 * folder; `createMemoryBlobStore()` is for tests.
 */
export interface BlobStore {
  /**
   * Writes `bytes` (one buffer, or several back to back: one call for a batch
   * of chunks) at `offset`, dropping anything stored after it (resume-safe).
   * The buffers are not kept after the promise settles.
   */
  write(name: string, offset: number, bytes: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /** Reads up to `length` bytes at `offset` (fewer at the end). */
  read(name: string, offset: number, length: number): Promise<Uint8Array>;
  /** Size in bytes; 0 if absent. */
  size(name: string): Promise<number>;
  /** Makes everything written so far durable (fsync). */
  flush(name: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export function createMemoryBlobStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    async write(name, offset, bytes) {
      const old = blobs.get(name) ?? new Uint8Array(0);
      if (offset > old.length)
        throw new RangeError(`write at ${offset} past the end (${old.length}) of ${name}`);
      const parts = bytes instanceof Uint8Array ? [bytes] : bytes;
      const next = new Uint8Array(offset + parts.reduce((n, b) => n + b.length, 0));
      next.set(old.subarray(0, offset));
      let at = offset;
      for (const b of parts) {
        next.set(b, at);
        at += b.length;
      }
      blobs.set(name, next);
    },
    async read(name, offset, length) {
      return (blobs.get(name) ?? new Uint8Array(0)).slice(offset, offset + length);
    },
    async size(name) {
      return blobs.get(name)?.length ?? 0;
    },
    async flush() {},
    async delete(name) {
      blobs.delete(name);
    },
  };
}
