/**
 * The whole window when the Parley daemon does not answer (its API and event
 * stream fail): what happened, how to start it, and that this window keeps
 * trying on its own. Over the messenger it covers, which is inert meanwhile:
 * nothing there (an "online" contact, a Send button) can be trusted or used.
 */
import { useEffect, useId, useRef } from 'react';

export function DaemonUnreachable({
  onRetry,
  overlay,
}: {
  readonly onRetry: () => void;
  readonly overlay: boolean;
}) {
  const title = useId();
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (overlay) button.current?.focus();
  }, [overlay]);
  return (
    <main className={`center-screen${overlay ? ' daemon-down' : ''}`} aria-labelledby={title}>
      <div className="card narrow" role="alert">
        <h1 id={title}>Parley's daemon is not running</h1>
        <p>
          This window shows what the Parley daemon on this computer tells it, and the daemon is not answering:
          no message can be sent or received here until it is back.
        </p>
        <p>
          To start it, run <code>parley ui</code> in a terminal: it starts the daemon and opens Parley in a
          new window. To run the daemon on its own, without a window, run <code>parley daemon</code>.
        </p>
        <p className="muted reconnecting" role="status">
          <span className="spinner" aria-hidden="true" />
          Trying to reconnect automatically…
        </p>
        <button ref={button} type="button" className="button primary" onClick={onRetry}>
          Try now
        </button>
      </div>
    </main>
  );
}
