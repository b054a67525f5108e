/**
 * Files in a group, as in a contact's conversation (Conversation.tsx): uploads from the attach
 * button, a drop or a paste, voice messages, live transfer progress laid over the messages, and
 * the lightbox for photos and videos. The daemon names a group's files by the group.
 */
import { type ReactNode, useCallback, useMemo, useState } from 'react';
import type { EventStream } from './api.ts';
import { type MessageAttachment, voiceFileName } from './attachments.ts';
import { Lightbox, mediaOf } from './Lightbox.tsx';
import { type MessageView, messageKey } from './types.ts';
import { useAttachmentProgress, withProgress } from './use-attachment-progress.ts';
import type { ConversationMessages } from './use-conversation.ts';
import { type FileDrop, useFileDrop } from './use-file-drop.ts';
import { type Uploads, useUploads } from './use-uploads.ts';
import type { Recording } from './VoiceRecorder.tsx';

export interface RoomFiles {
  readonly uploads: Uploads;
  /** Files dragged onto the conversation (spread `handlers` on it). */
  readonly drop: FileDrop;
  /** Files sent from this window so far: each one scrolls the list down to it. */
  readonly sent: number;
  attachmentOf(m: MessageView): MessageAttachment | null;
  onVoice(r: Recording): void;
  onOpenMedia(m: MessageView): void;
  /** The lightbox, while a photo or video is open. */
  readonly lightbox: ReactNode;
}

export function useRoomFiles(
  name: string,
  stream: EventStream,
  history: ConversationMessages,
  enabled: boolean,
  onChanged: () => void,
): RoomFiles {
  const progress = useAttachmentProgress(name, stream);
  const [sent, setSent] = useState(0);
  const uploads = useUploads(name, (m) => {
    history.add(m);
    setSent((n) => n + 1);
    onChanged();
  });
  const drop = useFileDrop(uploads.sendFiles, enabled);
  const attachmentOf = useCallback((m: MessageView) => withProgress(m, progress), [progress]);
  const media = useMemo(() => mediaOf(history.messages, attachmentOf), [history.messages, attachmentOf]);
  const [viewing, setViewing] = useState<string | null>(null);
  const onVoice = (r: Recording): void =>
    uploads.sendBlob(r.blob, {
      name: voiceFileName(r.blob.type),
      mime: r.blob.type.split(';')[0] || 'audio/webm',
      durationMs: r.durationMs,
      waveform: r.waveform,
    });
  const onOpenMedia = useCallback((m: MessageView) => setViewing(messageKey(m)), []);
  const lightbox =
    viewing && media.some((i) => i.key === viewing) ? (
      <Lightbox items={media} current={viewing} onMove={setViewing} onClose={() => setViewing(null)} />
    ) : null;
  return { uploads, drop, sent, attachmentOf, onVoice, onOpenMedia, lightbox };
}
