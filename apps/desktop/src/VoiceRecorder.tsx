/**
 * Recording a voice message (MediaRecorder, Opus in WebM or Ogg): starts as
 * soon as it is shown; Stop → a draft with its waveform, duration and
 * playback; Send (while recording or after) → onSend; Cancel discards it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { formatClock } from './attachments.ts';
import { CloseIcon, SendIcon, StopIcon } from './Icons.tsx';
import { analyzeAudio, recordingType } from './media.ts';
import { VoicePlayer } from './VoiceMessage.tsx';

export interface Recording {
  readonly blob: Blob;
  readonly durationMs: number;
  readonly waveform: Uint8Array;
}

type Phase =
  | { readonly kind: 'starting' }
  | { readonly kind: 'recording'; readonly since: number }
  | { readonly kind: 'draft'; readonly recording: Recording; readonly url: string }
  | { readonly kind: 'failed'; readonly message: string };

interface Session {
  readonly recorder: MediaRecorder;
  readonly stream: MediaStream;
  readonly chunks: Blob[];
  readonly since: number;
}

async function startRecording(): Promise<Session> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const type = recordingType();
  const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => {
    if (e.data.size > 0) chunks.push(e.data);
  };
  recorder.start(250);
  return { recorder, stream, chunks, since: performance.now() };
}

/** Stops the recorder and the microphone; the recording, decoded for its duration and waveform. */
async function finish(session: Session): Promise<Recording> {
  const elapsed = performance.now() - session.since;
  const blob = await new Promise<Blob>((resolve) => {
    session.recorder.onstop = () => resolve(new Blob(session.chunks, { type: session.recorder.mimeType }));
    if (session.recorder.state === 'inactive')
      resolve(new Blob(session.chunks, { type: session.recorder.mimeType }));
    else session.recorder.stop();
  });
  for (const t of session.stream.getTracks()) t.stop();
  try {
    const analysed = await analyzeAudio(blob);
    return { blob, ...analysed, durationMs: analysed.durationMs || Math.round(elapsed) };
  } catch {
    return { blob, durationMs: Math.round(elapsed), waveform: new Uint8Array(0) };
  }
}

function useRecorder() {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const session = useRef<Session | null>(null);
  useEffect(() => {
    let live = true;
    startRecording().then(
      (s) => {
        if (!live) return void finish(s);
        session.current = s;
        setPhase({ kind: 'recording', since: s.since });
      },
      (e: unknown) =>
        live &&
        setPhase({ kind: 'failed', message: `The microphone is not available: ${(e as Error).message}` }),
    );
    return () => {
      live = false;
      const s = session.current;
      session.current = null;
      if (s) for (const t of s.stream.getTracks()) t.stop();
      if (s && s.recorder.state !== 'inactive') s.recorder.stop();
    };
  }, []);
  const stop = useCallback(async (): Promise<Recording | undefined> => {
    const s = session.current;
    session.current = null;
    if (!s) return undefined;
    const recording = await finish(s);
    setPhase({ kind: 'draft', recording, url: URL.createObjectURL(recording.blob) });
    return recording;
  }, []);
  useEffect(() => () => void (phase.kind === 'draft' && URL.revokeObjectURL(phase.url)), [phase]);
  return { phase, stop };
}

function Elapsed({ since }: { readonly since: number }) {
  const [now, setNow] = useState(performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 200);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="recording-time" role="timer" aria-label="Recording time">
      {formatClock(now - since)}
    </span>
  );
}

export function VoiceRecorder({
  onSend,
  onClose,
}: {
  readonly onSend: (r: Recording) => void;
  readonly onClose: () => void;
}) {
  const { phase, stop } = useRecorder();
  const [sending, setSending] = useState(false);
  const send = async () => {
    setSending(true);
    const recording = phase.kind === 'draft' ? phase.recording : await stop();
    if (recording && recording.blob.size > 0) onSend(recording);
    onClose();
  };
  return (
    <fieldset className="recorder" aria-label="Voice message recorder">
      <button type="button" className="icon-button" aria-label="Cancel" title="Cancel" onClick={onClose}>
        <CloseIcon />
      </button>
      {phase.kind === 'starting' && <span className="muted">Starting the microphone…</span>}
      {phase.kind === 'failed' && (
        <span className="form-error" role="alert">
          {phase.message}
        </span>
      )}
      {phase.kind === 'recording' && (
        <>
          <span className="recording-dot" aria-hidden="true" />
          <span className="recording-label">Recording</span>
          <Elapsed since={phase.since} />
          <button type="button" className="button small" onClick={() => void stop()}>
            <StopIcon />
            Stop
          </button>
        </>
      )}
      {phase.kind === 'draft' && (
        <VoicePlayer
          src={phase.url}
          durationMs={phase.recording.durationMs}
          samples={phase.recording.waveform}
          label="Recording"
        />
      )}
      <button
        type="button"
        className="send-button"
        aria-label="Send"
        title="Send voice message"
        disabled={sending || (phase.kind !== 'recording' && phase.kind !== 'draft')}
        onClick={() => void send()}
      >
        <SendIcon />
      </button>
    </fieldset>
  );
}
