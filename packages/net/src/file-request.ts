/**
 * The request and status bytes of `/parley/file/1.0.0` (see file.ts for the
 * whole exchange), shared by the server (file.ts) and the requester
 * (file-fetch.ts).
 */
import { type FileRequest, TransportError } from '@parley/core';

const REQUEST_VERSION = 1;
/** version u8 ‖ fileId 16 bytes ‖ fromChunk u32 BE */
const REQUEST_BYTES = 1 + 16 + 4;
/** The server's first byte: no such file for this peer (then close). */
export const STATUS_REFUSED = 0x00;
/** The server's first byte: chunk frames follow. */
export const STATUS_ACCEPTED = 0x01;
const FILE_ID = /^[0-9a-f]{32}$/;

/** The request frame's payload (without the length prefix); throws `refused` on an invalid request. */
export function encodeFileRequest(request: FileRequest): Uint8Array {
  const { fileId, fromChunk } = request;
  if (typeof fileId !== 'string' || !FILE_ID.test(fileId)) {
    throw new TransportError('refused', 'fileId must be 32 lowercase hex characters');
  }
  if (!Number.isInteger(fromChunk) || fromChunk < 0 || fromChunk > 0xffff_ffff) {
    throw new TransportError('refused', 'fromChunk must be an integer in 0..2^32-1');
  }
  const out = new Uint8Array(REQUEST_BYTES);
  out[0] = REQUEST_VERSION;
  for (let i = 0; i < 16; i++) out[1 + i] = Number.parseInt(fileId.slice(2 * i, 2 * i + 2), 16);
  new DataView(out.buffer).setUint32(17, fromChunk, false);
  return out;
}

/** Parses a request payload; null if it is not exactly a version-1 request. */
export function decodeFileRequest(payload: Uint8Array): FileRequest | null {
  if (payload.length !== REQUEST_BYTES || payload[0] !== REQUEST_VERSION) return null;
  let fileId = '';
  for (let i = 1; i < 17; i++) fileId += (payload[i] as number).toString(16).padStart(2, '0');
  const fromChunk = new DataView(payload.buffer, payload.byteOffset, payload.length).getUint32(17, false);
  return { fileId, fromChunk };
}
