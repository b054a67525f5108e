/**
 * An attachment inside a message bubble: a photo (its thumbnail at once, the
 * full image once it is here), a video player, a voice message, or a file
 * card; with the transfer's state and a progress bar. Names are text nodes.
 */
import {
  attachmentUrl,
  formatBytes,
  isReady,
  kindOf,
  type MessageAttachment,
  thumbnailUrl,
} from './attachments.ts';
import { ExpandIcon, FileIcon } from './Icons.tsx';
import { Transfer } from './Transfer.tsx';
import { VoiceMessage } from './VoiceMessage.tsx';

function SaveLink({ a }: { readonly a: MessageAttachment }) {
  return (
    <a className="save-link" href={attachmentUrl(a, true)} download={a.name} title={`Save ${a.name}`}>
      Save
    </a>
  );
}

interface PreviewProps {
  readonly a: MessageAttachment;
  readonly mine: boolean;
  /** Opens the photo or video in the conversation's lightbox. */
  readonly onOpen?: (() => void) | undefined;
}

function ImagePreview({ a, mine, onOpen }: PreviewProps) {
  const ready = isReady(a);
  const thumb = thumbnailUrl(a.thumbnail);
  const src = ready ? attachmentUrl(a) : thumb;
  const image = src ? (
    <img className="media-image" src={src} alt={`Photo: ${a.name}`} draggable={false} />
  ) : (
    <div className="media-placeholder" role="img" aria-label={`Photo: ${a.name}`}>
      Photo
    </div>
  );
  return (
    <div className={`media${ready ? ' ready' : ''}`}>
      {ready && onOpen ? (
        <button type="button" className="media-open" aria-label={`Open ${a.name}`} onClick={onOpen}>
          {image}
        </button>
      ) : ready ? (
        <a href={attachmentUrl(a)} target="_blank" rel="noopener noreferrer" aria-label={`Open ${a.name}`}>
          {image}
        </a>
      ) : (
        image
      )}
      <Transfer a={a} mine={mine} />
    </div>
  );
}

function VideoPreview({ a, mine, onOpen }: PreviewProps) {
  const ready = isReady(a);
  const poster = thumbnailUrl(a.thumbnail);
  return (
    <div className="media">
      {ready && onOpen && (
        <button
          type="button"
          className="icon-button small media-expand"
          aria-label={`Open ${a.name}`}
          title="Open in viewer"
          onClick={onOpen}
        >
          <ExpandIcon />
        </button>
      )}
      {ready ? (
        // biome-ignore lint/a11y/useMediaCaption: people's own videos have no caption track
        <video className="media-video" controls preload="metadata" src={attachmentUrl(a)} poster={poster}>
          {`Video: ${a.name}`}
        </video>
      ) : poster ? (
        <img className="media-image" src={poster} alt={`Video: ${a.name}`} />
      ) : (
        <div className="media-placeholder" role="img" aria-label={`Video: ${a.name}`}>
          Video
        </div>
      )}
      <Transfer a={a} mine={mine} />
    </div>
  );
}

function FileCard({
  a,
  mine,
  audio,
}: {
  readonly a: MessageAttachment;
  readonly mine: boolean;
  readonly audio: boolean;
}) {
  const ready = isReady(a);
  return (
    <div className="file-card">
      <div className="file-line">
        <span className="file-icon">
          <FileIcon />
        </span>
        <span className="file-info">
          <span className="file-name">{a.name}</span>
          <span className="file-size">{formatBytes(a.size)}</span>
        </span>
        {ready && <SaveLink a={a} />}
      </div>
      {ready && audio && (
        // biome-ignore lint/a11y/useMediaCaption: people's own recordings have no caption track
        <audio
          className="file-audio"
          controls
          preload="metadata"
          src={attachmentUrl(a)}
          aria-label={a.name}
        />
      )}
      <Transfer a={a} mine={mine} />
    </div>
  );
}

export function AttachmentBody({ a, mine, onOpen }: PreviewProps) {
  switch (kindOf(a)) {
    case 'image':
      return <ImagePreview a={a} mine={mine} onOpen={onOpen} />;
    case 'video':
      return <VideoPreview a={a} mine={mine} onOpen={onOpen} />;
    case 'voice':
      return <VoiceMessage a={a} mine={mine} />;
    case 'audio':
      return <FileCard a={a} mine={mine} audio />;
    default:
      return <FileCard a={a} mine={mine} audio={false} />;
  }
}
