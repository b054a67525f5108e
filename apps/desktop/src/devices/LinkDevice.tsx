/**
 * "Link a new device": a one-time link (`devices.link`, a secret valid 10 minutes) as a QR code
 * and as text to copy, with the time left and what to do on the new device.
 */
import { useEffect, useRef, useState } from 'react';
import { call, RpcError } from '../api.ts';
import { Qr } from '../Qr.tsx';

const SECOND_MS = 1000;

function timeLeft(ms: number): string {
  const s = Math.max(0, Math.floor(ms / SECOND_MS));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function LinkDevice({ onDone }: { readonly onDone: () => void }) {
  const [offer, setOffer] = useState<{ readonly link: string; readonly expiresAt: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const [copied, setCopied] = useState(false);
  const panel = useRef<HTMLDivElement>(null);

  const make = () => {
    setError(null);
    setOffer(null);
    void call('devices.link').then(setOffer, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : 'Could not make a link; try again.'),
    );
  };
  useEffect(make, []);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), SECOND_MS);
    return () => clearInterval(timer);
  }, []);

  const copy = async () => {
    if (!offer) return;
    await navigator.clipboard.writeText(offer.link).catch(() => undefined);
    setCopied(true);
  };
  const expired = offer !== null && now >= offer.expiresAt;
  // The panel opens at the end of Settings: bring the code into view once it is drawn.
  useEffect(() => {
    if (offer) panel.current?.scrollIntoView({ block: 'nearest' });
  }, [offer]);

  return (
    <div className="link-device" ref={panel}>
      <h4>Link a new device</h4>
      <ol className="steps">
        <li>
          On the new device: open Parley and choose <strong>“This is a new device of mine”</strong>, or run{' '}
          <code>parley init --link -</code>.
        </li>
        <li>
          Copy the link and paste it there (or read the code with a camera app). Keep this window open until
          it joins.
        </li>
      </ol>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {offer && !expired && (
        <>
          <Qr text={offer.link} label="The link for your new device as a QR code" size={200} />
          <div className="copy-row">
            <input
              readOnly
              aria-label="Link for your new device"
              value={offer.link}
              onFocus={(e) => e.target.select()}
            />
            <button type="button" className="button primary" onClick={() => void copy()}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
          <p className="note" role="timer" aria-live="off" aria-label="Time left">
            {`Works once, for ${timeLeft(offer.expiresAt - now)} more. It is a secret: whoever has it can join your account.`}
          </p>
        </>
      )}
      {!offer && !error && <p className="note">Making a link…</p>}
      {expired && <p className="note">This link has expired. Make a new one when the new device is ready.</p>}
      <div className="dialog-actions">
        {(expired || error) && (
          <button type="button" className="button" onClick={make}>
            Make a new link
          </button>
        )}
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
