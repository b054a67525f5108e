/** What the messenger shows of an attachment's transfer. */
import type { AttachmentDirection, AttachmentRecord } from '../ports/index.ts';

export interface AttachmentProgress {
  readonly id: string;
  readonly direction: AttachmentDirection;
  readonly contact: string;
  readonly state: AttachmentRecord['state'] | 'encrypting';
  readonly transferred: number;
  readonly size: number;
  readonly error: string | null;
}
