/**
 * The top of the app: asks the daemon what state it is in (no account,
 * locked, ready) and shows onboarding, unlock, or the messenger. The event
 * stream lives here, for the app's whole life.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { call, EventStream, RpcError } from './api.ts';
import { ChatApp } from './ChatApp.tsx';
import { Onboarding } from './Onboarding.tsx';
import type { DaemonState } from './types.ts';

type Phase = 'loading' | 'unauthorized' | 'offline' | DaemonState;

export function App() {
  const [phase, setPhase] = useState<Phase>('loading');
  const stream = useMemo(() => new EventStream(), []);

  const refresh = useCallback(async () => {
    try {
      const { state } = await call('daemon.state');
      setPhase(state);
    } catch (error) {
      setPhase(error instanceof RpcError && error.code === 'unauthorized' ? 'unauthorized' : 'offline');
    }
  }, []);

  useEffect(() => {
    void refresh();
    stream.start();
    const offEvent = stream.on((e) => {
      if (e.type === 'state') setPhase(e.data.state);
    });
    const offStatus = stream.onStatus((s) => {
      if (s === 'up') void refresh();
    });
    return () => {
      offEvent();
      offStatus();
      stream.stop();
    };
  }, [stream, refresh]);

  if (phase === 'loading')
    return (
      <main className="center-screen" aria-busy="true">
        <p className="muted">Connecting to Parley…</p>
      </main>
    );
  if (phase === 'unauthorized' || phase === 'offline')
    return (
      <main className="center-screen">
        <div className="card narrow">
          <h1>{phase === 'unauthorized' ? 'Open Parley from your computer' : 'Parley is not running'}</h1>
          <p>
            {phase === 'unauthorized'
              ? 'This window has no valid session. For your safety, each link that opens Parley works only once.'
              : 'The Parley daemon on this computer is not answering.'}
          </p>
          <p>
            Run <code>parley ui</code> in a terminal to open Parley again.
          </p>
          <button type="button" className="button primary" onClick={() => void refresh()}>
            Try again
          </button>
        </div>
      </main>
    );
  if (phase === 'no-account' || phase === 'locked')
    return <Onboarding mode={phase} onDone={() => void refresh()} />;
  return <ChatApp stream={stream} />;
}
