/**
 * State shared by the pieces of the libp2p Transport (inbound, outbound,
 * intro). Internal to the package.
 */
import type {
  AdmissionHook,
  FileServer,
  FrameHandler,
  IntroductionHandler,
  QueryHandler,
} from '@parley/core';
import type { TransportLimits } from './limits.ts';
import type { ParleyLibp2p } from './node.ts';

export { FILE_PROTOCOL, INTRO_PROTOCOL, MSG_PROTOCOL, QUERY_PROTOCOL } from './protocols.ts';

export interface TransportContext {
  readonly node: ParleyLibp2p;
  readonly limits: TransportLimits;
  admission: AdmissionHook;
  introduction: IntroductionHandler | null;
  fileServer: FileServer | null;
  queryHandler: QueryHandler | null;
  /** Who may ask on /parley/query (checked before a byte is read). Until set, no one. */
  queryAdmission: AdmissionHook;
  readonly frameHandlers: Set<FrameHandler>;
  /** Inbound connections with an introduction in progress (not closed when refused on /parley/msg). */
  readonly introducing: WeakSet<object>;
  stopped: boolean;
  /** Diagnostics only: never frame contents, never keys. */
  readonly log: (message: string) => void;
}

/** Never throws: streams that are already closed ignore the abort. */
export function resetStream(stream: { abort(err: Error): void }, reason: string): void {
  try {
    stream.abort(new Error(reason));
  } catch {
    // already gone
  }
}
