/**
 * Settings. Only what the daemon can change at run time is editable (your name and passphrase,
 * read receipts); the rest says honestly where it is set.
 */
import { useEffect, useState } from 'react';
import { call, daemonConfig, RpcError } from './api.ts';
import { Dialog } from './Dialog.tsx';
import { DeviceSettings } from './devices/index.ts';
import { MailboxSettings } from './MailboxSettings.tsx';
import { AboutParley, ProfileSettings } from './profile/index.ts';
import type { DaemonConfig, Identity, Settings } from './types.ts';

export function SettingsDialog({
  me,
  onClose,
  onRenamed,
}: {
  readonly me: Identity | null;
  readonly onClose: () => void;
  /** Your name changed: whoever shows it asks again. */
  readonly onRenamed: () => void;
}) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [config, setConfig] = useState<DaemonConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [permission, setPermission] = useState(
    typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
  );

  useEffect(() => {
    void call('settings.get').then(setSettings, () => undefined);
    void daemonConfig().then(setConfig);
  }, []);

  const setReceipts = (readReceipts: boolean) =>
    void call('settings.update', { readReceipts }).then(setSettings, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : 'Could not save.'),
    );

  return (
    <Dialog title="Settings" onClose={onClose}>
      <div className="settings">
        <ProfileSettings onRenamed={onRenamed} />
        <DeviceSettings />
        <section>
          <h3>Privacy</h3>
          <label className="switch-row">
            <input
              type="checkbox"
              role="switch"
              aria-checked={settings?.readReceipts ?? false}
              checked={settings?.readReceipts ?? false}
              disabled={!settings}
              onChange={(e) => setReceipts(e.target.checked)}
            />
            <span>
              Read receipts
              <span className="note block">
                Let contacts see when you have read their messages (and see theirs).
              </span>
            </span>
          </label>
        </section>
        <section>
          <h3>Notifications</h3>
          {permission === 'granted' ? (
            <p className="note">Desktop notifications are on while the Parley window is hidden.</p>
          ) : permission === 'unsupported' ? (
            <p className="note">This browser does not support desktop notifications.</p>
          ) : (
            <button
              type="button"
              className="button"
              onClick={() => void Notification.requestPermission().then(setPermission)}
              disabled={permission === 'denied'}
            >
              {permission === 'denied'
                ? 'Notifications are blocked by the browser'
                : 'Turn on desktop notifications'}
            </button>
          )}
        </section>
        <MailboxSettings />
        <section>
          <h3>Network</h3>
          <p className="note">
            These are set when the daemon starts (<code>parley daemon --no-mdns --bootstrap ADDR</code>);
            changing them needs a restart of the daemon.
          </p>
          <dl className="facts">
            <dt>Local network discovery</dt>
            <dd>{config ? (config.mdns ? 'On' : 'Off') : 'Unknown'}</dd>
            <dt>Relays and bootstrap peers</dt>
            <dd>
              {config
                ? config.bootstrap.length
                  ? config.bootstrap.map((b) => (
                      <span key={b} className="mono block">
                        {b}
                      </span>
                    ))
                  : 'None'
                : 'Unknown'}
            </dd>
            <dt>Listening on</dt>
            <dd>
              {(me?.addresses.length ? me.addresses : ['(no addresses)']).map((a) => (
                <span key={a} className="mono block">
                  {a}
                </span>
              ))}
            </dd>
          </dl>
        </section>
        <AboutParley />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
    </Dialog>
  );
}
