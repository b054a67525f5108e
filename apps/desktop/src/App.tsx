/**
 * The top of the app: asks the daemon what state it is in (no account,
 * locked, ready) and shows onboarding, unlock, or the messenger; or, while
 * the daemon does not answer, a full-window "not running" state that goes
 * away by itself once it is back. The event stream lives here, for the
 * app's whole life.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { call, EventStream, RpcError } from './api.ts';
import { ChatApp } from './ChatApp.tsx';
import { DaemonUnreachable } from './DaemonUnreachable.tsx';
import { useHistoryProgress } from './devices/index.ts';
import { Onboarding } from './Onboarding.tsx';
import type { DaemonState } from './types.ts';

type Phase = 'loading' | 'unauthorized' | 'offline' | DaemonState;

export function App() {
  const [phase, setPhase] = useState<Phase>('loading');
  const stream = useMemo(() => new EventStream(), []);
  /** False while the daemon does not answer (the event stream is down and an RPC fails too). */
  const [reachable, setReachable] = useState(true);
  // Listened to from the start: a linked device's history begins before the chat screen mounts.
  const history = useHistoryProgress(stream);

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
      if (s === 'up') {
        setReachable(true);
        void refresh();
      } else if (s === 'down')
        // The stream can drop alone (a proxy, a sleeping laptop): the daemon is down if RPC fails too.
        void call('daemon.state').then(
          () => setReachable(true),
          (error: unknown) => {
            if (error instanceof RpcError && error.code === 'offline') setReachable(false);
          },
        );
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
  if (phase === 'offline')
    return (
      <DaemonUnreachable
        onRetry={() => {
          stream.retry();
          void refresh();
        }}
        overlay={false}
      />
    );
  const down = !reachable && <DaemonUnreachable onRetry={() => stream.retry()} overlay />;
  if (phase === 'unauthorized')
    return (
      <main className="center-screen">
        <div className="card narrow">
          <h1>Open Parley from your computer</h1>
          <p>
            This window has no valid session. For your safety, each link that opens Parley works only once.
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
    return (
      <>
        <div className="app-frame" inert={!reachable}>
          <Onboarding mode={phase} onDone={() => void refresh()} />
        </div>
        {down}
      </>
    );
  return (
    <>
      <ChatApp stream={stream} daemonDown={!reachable} history={history} />
      {down}
    </>
  );
}
