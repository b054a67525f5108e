/**
 * Writing a message: Enter sends, Shift+Enter is a new line, ↑ in the empty
 * box edits our last message; emoji picker;
 * reply and edit modes; typing notifications; a hint when the message will
 * wait in the queue because the contact is offline. Files: the attach
 * button, or pasting an image; voice messages: the microphone button.
 * Unsent text is kept as the conversation's draft (drafts.ts).
 */
import { type ClipboardEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { draftOf, flushDraft, setDraft, useDraftsLoaded } from './drafts.ts';
import { EmojiPicker } from './EmojiPicker.tsx';
import { preview } from './format.ts';
import { CloseIcon, MicIcon, PaperclipIcon, SendIcon, SmileIcon } from './Icons.tsx';
import { type Recording, VoiceRecorder } from './VoiceRecorder.tsx';

/** typing.set is re-sent at most this often while typing, and cleared after this much quiet. */
const TYPING_REFRESH_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
/** The composer grows to this many pixels before it scrolls. */
const COMPOSER_MAX_HEIGHT_PX = 180;

export type ComposerMode =
  | { readonly kind: 'new' }
  | { readonly kind: 'reply'; readonly author: string; readonly text: string }
  | { readonly kind: 'edit'; readonly text: string };

export function Composer({
  contact,
  draftKey,
  online,
  blocked,
  mode,
  onCancelMode,
  onSend,
  onEditLast,
  onTyping,
  onFiles,
  onVoice,
  label = 'Message',
  sendLabel = 'Send',
  placeholder = `Message ${contact}`,
}: {
  readonly contact: string;
  /** The conversation's key in the chat list: its unsent text is kept under it. */
  readonly draftKey: string;
  readonly online: boolean;
  readonly blocked: boolean;
  readonly mode: ComposerMode;
  readonly onCancelMode: () => void;
  readonly onSend: (text: string) => Promise<boolean>;
  /** ↑ in the empty box: edit our last message; false if there is none to edit. */
  readonly onEditLast?: () => boolean;
  readonly onTyping: (active: boolean) => void;
  /** Without: no attach button, no pasted files. */
  readonly onFiles?: (files: readonly File[]) => void;
  /** Without: no voice messages. */
  readonly onVoice?: (recording: Recording) => void;
  /** The text box's accessible name. */
  readonly label?: string;
  readonly sendLabel?: string;
  readonly placeholder?: string;
}) {
  const [text, setText] = useState(() => draftOf(draftKey));
  const [emoji, setEmoji] = useState(false);
  const [recording, setRecording] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const typingSentAt = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (mode.kind === 'edit') setText(mode.text);
    input.current?.focus();
  }, [mode]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-measure whenever the text changes
  useEffect(() => {
    const el = input.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, COMPOSER_MAX_HEIGHT_PX)}px`;
  }, [text]);

  useEffect(() => () => clearTimeout(idle.current), []);

  // Leaving the chat (or the composer going away) sends its draft to the daemon now.
  useEffect(() => () => flushDraft(draftKey), [draftKey]);
  // Opened before the daemon's drafts arrived: show this conversation's when they do.
  const draftsLoaded = useDraftsLoaded();
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the drafts arrive
  useEffect(() => {
    if (draftsLoaded && mode.kind === 'new') setText((t) => t || draftOf(draftKey));
  }, [draftsLoaded]);

  const stopTyping = () => {
    clearTimeout(idle.current);
    if (typingSentAt.current) onTyping(false);
    typingSentAt.current = 0;
  };

  /** New text in the box; outside edit mode it is also the draft. */
  const write = (value: string) => {
    setText(value);
    if (mode.kind !== 'edit') setDraft(draftKey, value);
  };
  /** Leaving edit mode brings back what was being written before. */
  const restoreDraft = () => setText(draftOf(draftKey));

  const changed = (value: string) => {
    write(value);
    if (mode.kind === 'edit') return;
    const now = Date.now();
    if (value && now - typingSentAt.current > TYPING_REFRESH_MS) {
      typingSentAt.current = now;
      onTyping(true);
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stopTyping, value ? TYPING_IDLE_MS : 0);
  };

  const send = async () => {
    const body = text.trim();
    if (!body || blocked) return;
    stopTyping();
    if (await onSend(text)) {
      if (mode.kind === 'edit') restoreDraft();
      else write('');
    }
    input.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    } else if (
      e.key === 'ArrowUp' &&
      !e.shiftKey &&
      !e.altKey &&
      !e.ctrlKey &&
      !e.metaKey &&
      text === '' &&
      mode.kind === 'new' &&
      onEditLast?.()
    ) {
      e.preventDefault();
    } else if (e.key === 'Escape' && mode.kind !== 'new') {
      e.preventDefault();
      if (mode.kind === 'edit') restoreDraft();
      onCancelMode();
    }
  };

  // Pasted images (screenshots, copied photos) are sent as files; text pastes as usual.
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(e.clipboardData.files);
    if (files.length === 0 || blocked || !onFiles) return;
    e.preventDefault();
    onFiles(files);
  };

  const insert = (value: string) => {
    const el = input.current;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    const next = text.slice(0, start) + value + text.slice(end);
    write(next);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + value.length, start + value.length);
    });
  };

  return (
    <div className="composer-wrap">
      {mode.kind !== 'new' && (
        <div className="composer-mode">
          <div className="composer-mode-text">
            <strong>{mode.kind === 'reply' ? `Replying to ${mode.author}` : 'Editing message'}</strong>
            <span>{preview(mode.text, 100)}</span>
          </div>
          <button
            type="button"
            className="icon-button small"
            aria-label={mode.kind === 'reply' ? 'Cancel reply' : 'Cancel edit'}
            onClick={() => {
              if (mode.kind === 'edit') restoreDraft();
              onCancelMode();
            }}
          >
            <CloseIcon size={16} />
          </button>
        </div>
      )}
      {!online && !blocked && (
        <p className="composer-hint" role="status">
          {contact} is offline: messages are queued and sent when {contact} is reachable.
        </p>
      )}
      {recording && onVoice ? (
        <VoiceRecorder
          onSend={onVoice}
          onClose={() => {
            setRecording(false);
            requestAnimationFrame(() => input.current?.focus());
          }}
        />
      ) : (
        <div className="composer">
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            aria-label="Files to send"
            onChange={(e) => {
              const files = Array.from(e.currentTarget.files ?? []);
              e.currentTarget.value = '';
              if (files.length) onFiles?.(files);
            }}
          />
          {onFiles && (
            <button
              type="button"
              className="icon-button"
              aria-label="Attach file"
              title="Attach file"
              onClick={() => picker.current?.click()}
              disabled={blocked || mode.kind === 'edit'}
            >
              <PaperclipIcon />
            </button>
          )}
          <button
            type="button"
            className="icon-button"
            aria-label="Emoji"
            aria-expanded={emoji}
            onClick={() => setEmoji((v) => !v)}
            disabled={blocked}
          >
            <SmileIcon />
          </button>
          {emoji && (
            <EmojiPicker
              onPick={(e) => insert(e)}
              onClose={() => {
                setEmoji(false);
                input.current?.focus();
              }}
            />
          )}
          <textarea
            ref={input}
            aria-label={label}
            placeholder={blocked ? 'Sending is blocked until you accept the new safety number' : placeholder}
            rows={1}
            value={text}
            disabled={blocked}
            onChange={(e) => changed(e.target.value)}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
            onBlur={stopTyping}
          />
          {onVoice && (
            <button
              type="button"
              className="icon-button"
              aria-label="Record voice message"
              title="Record voice message"
              onClick={() => setRecording(true)}
              disabled={blocked || mode.kind === 'edit'}
            >
              <MicIcon />
            </button>
          )}
          <button
            type="button"
            className="send-button"
            aria-label={mode.kind === 'edit' ? 'Save edit' : sendLabel}
            title={mode.kind === 'edit' ? 'Save edit' : `${sendLabel} (Enter)`}
            disabled={blocked || !text.trim()}
            onClick={() => void send()}
          >
            <SendIcon />
          </button>
        </div>
      )}
    </div>
  );
}
