/**
 * A voice message: play/pause, its waveform (played part highlighted; click
 * to seek) and its duration; plays inline from /attachments/ID or, for a
 * draft, from a blob: URL.
 */
import { type MouseEvent, useMemo, useRef, useState } from 'react';
import { attachmentUrl, formatClock, fromBase64Url, isReady, type MessageAttachment } from './attachments.ts';
import { PauseIcon, PlayIcon } from './Icons.tsx';
import { Transfer } from './Transfer.tsx';

const FLAT = new Uint8Array(48).fill(24);

export function Waveform({
  samples,
  played,
  onSeek,
}: {
  readonly samples: Uint8Array;
  /** 0..1 */
  readonly played: number;
  readonly onSeek?: (fraction: number) => void;
}) {
  const bars = samples.length > 0 ? samples : FLAT;
  const width = bars.length * 3;
  const click = (e: MouseEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    if (onSeek && box.width > 0) onSeek(Math.min(1, Math.max(0, (e.clientX - box.left) / box.width)));
  };
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: seeking by mouse only; the play button is the keyboard control
    <svg
      className="waveform"
      viewBox={`0 0 ${width} 32`}
      preserveAspectRatio="none"
      role="img"
      aria-label="Waveform"
      onClick={click}
    >
      {Array.from(bars, (v, i) => {
        const h = Math.max(2, (v / 255) * 30);
        return (
          <rect
            // biome-ignore lint/suspicious/noArrayIndexKey: bars never reorder
            key={i}
            x={i * 3}
            y={(32 - h) / 2}
            width={2}
            height={h}
            rx={1}
            className={(i + 0.5) / bars.length <= played ? 'played' : undefined}
          />
        );
      })}
    </svg>
  );
}

/** Play/pause, waveform and time for an audio source with a known duration. */
export function VoicePlayer({
  src,
  durationMs,
  samples,
  label,
}: {
  readonly src: string | undefined;
  readonly durationMs: number;
  readonly samples: Uint8Array;
  readonly label: string;
}) {
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [positionMs, setPositionMs] = useState(0);
  const toggle = () => {
    const el = audio.current;
    if (!el) return;
    if (el.paused) void el.play().catch(() => setPlaying(false));
    else el.pause();
  };
  const seek = (fraction: number) => {
    const el = audio.current;
    if (el && durationMs > 0) el.currentTime = (fraction * durationMs) / 1000;
  };
  const shown = playing || positionMs > 0 ? positionMs : durationMs;
  return (
    <fieldset className="voice" aria-label={label}>
      <button
        type="button"
        className="voice-play"
        aria-label={playing ? `Pause ${label.toLowerCase()}` : `Play ${label.toLowerCase()}`}
        disabled={!src}
        onClick={toggle}
      >
        {playing ? <PauseIcon /> : <PlayIcon />}
      </button>
      <Waveform samples={samples} played={durationMs > 0 ? positionMs / durationMs : 0} onSeek={seek} />
      <span className="voice-time">{formatClock(shown)}</span>
      {src && (
        // biome-ignore lint/a11y/useMediaCaption: a voice message has no caption track
        <audio
          ref={audio}
          src={src}
          preload="metadata"
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onEnded={() => {
            setPlaying(false);
            setPositionMs(0);
          }}
          onTimeUpdate={(e) => setPositionMs(e.currentTarget.currentTime * 1000)}
        />
      )}
    </fieldset>
  );
}

export function VoiceMessage({ a, mine }: { readonly a: MessageAttachment; readonly mine: boolean }) {
  const samples = useMemo(() => {
    try {
      return a.waveform ? fromBase64Url(a.waveform) : new Uint8Array(0);
    } catch {
      return new Uint8Array(0);
    }
  }, [a.waveform]);
  return (
    <div className="voice-message">
      <VoicePlayer
        src={isReady(a) ? attachmentUrl(a) : undefined}
        durationMs={a.durationMs ?? 0}
        samples={samples}
        label="Voice message"
      />
      <Transfer a={a} mine={mine} />
    </div>
  );
}
