/**
 * Photos and videos full size, in the app rather than a new tab: a modal
 * <dialog> (focus trap, Escape) over a dark backdrop, with the sender and
 * time, ← and → (keys or buttons) through the conversation's loaded photos
 * and videos, a download button, and Close. Focus goes back to the photo
 * that opened it.
 */
import { useEffect, useMemo, useRef } from 'react';
import { attachmentUrl, isReady, kindOf, type MessageAttachment } from './attachments.ts';
import { formatDay, formatTime } from './format.ts';
import { ChevronIcon, CloseIcon, DownloadIcon } from './Icons.tsx';
import { type MessageView, messageKey } from './types.ts';

export interface MediaItem {
  readonly key: string;
  readonly message: MessageView;
  readonly attachment: MessageAttachment;
}

/** The conversation's photos and videos that are here (ready to show), oldest first. */
export function mediaOf(
  messages: readonly MessageView[],
  attachmentOf: (m: MessageView) => MessageAttachment | null,
): MediaItem[] {
  const items: MediaItem[] = [];
  for (const m of messages) {
    if (m.deleted || !m.attachment) continue;
    const kind = kindOf(m.attachment);
    const a = attachmentOf(m);
    if ((kind === 'image' || kind === 'video') && a && isReady(a))
      items.push({ key: messageKey(m), message: m, attachment: a });
  }
  return items;
}

export function Lightbox({
  items,
  current,
  onMove,
  onClose,
}: {
  readonly items: readonly MediaItem[];
  /** The shown item's key (a message key). */
  readonly current: string;
  readonly onMove: (key: string) => void;
  readonly onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const index = useMemo(() => items.findIndex((i) => i.key === current), [items, current]);
  const item = items[index];
  const prev = items[index - 1];
  const next = items[index + 1];
  /** ← and →, read by a listener on the document: focus may leave the dialog (a button turned disabled). */
  const onArrow = useRef<(e: KeyboardEvent) => void>(() => undefined);
  onArrow.current = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement | null)?.closest?.('video')) return; // arrows seek in a focused video
    const to = e.key === 'ArrowLeft' ? prev : e.key === 'ArrowRight' ? next : undefined;
    if (!to) return;
    e.preventDefault();
    onMove(to.key);
  };
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const el = ref.current;
    if (el && !el.open) el.showModal();
    const onKey = (e: KeyboardEvent) => onArrow.current(e);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      el?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  if (!item) return null;
  const { attachment: a, message: m } = item;
  const video = kindOf(a) === 'video';
  return (
    <dialog
      ref={ref}
      className="lightbox"
      aria-label={`${video ? 'Video' : 'Photo'}: ${a.name}`}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <header className="lightbox-bar">
        <div className="lightbox-title">
          <strong>{m.direction === 'out' ? 'You' : m.from}</strong>
          <span>{`${formatDay(m.sentAt)}, ${formatTime(m.sentAt)} · ${index + 1} of ${items.length}`}</span>
        </div>
        <a
          className="icon-button lightbox-button"
          href={attachmentUrl(a, true)}
          download={a.name}
          aria-label={`Download ${a.name}`}
          title="Download"
        >
          <DownloadIcon />
        </a>
        <button
          type="button"
          className="icon-button lightbox-button"
          aria-label="Close"
          title="Close (Esc)"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </header>
      <div className="lightbox-stage">
        <button
          type="button"
          className="icon-button lightbox-nav"
          aria-label="Previous"
          title="Previous (←)"
          disabled={!prev}
          onClick={() => prev && onMove(prev.key)}
        >
          <ChevronIcon direction="left" />
        </button>
        {video ? (
          // biome-ignore lint/a11y/useMediaCaption: people's own videos have no caption track
          <video key={item.key} className="lightbox-media" src={attachmentUrl(a)} controls autoPlay />
        ) : (
          <img key={item.key} className="lightbox-media" src={attachmentUrl(a)} alt={`Photo: ${a.name}`} />
        )}
        <button
          type="button"
          className="icon-button lightbox-nav"
          aria-label="Next"
          title="Next (→)"
          disabled={!next}
          onClick={() => next && onMove(next.key)}
        >
          <ChevronIcon direction="right" />
        </button>
      </div>
      {m.text && <p className="lightbox-caption">{m.text}</p>}
    </dialog>
  );
}
