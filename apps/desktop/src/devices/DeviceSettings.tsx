/**
 * Settings → Your devices (docs/MULTI-DEVICE.md): this account's devices in the order of its
 * signed device list, "This device" marked; link a new one (LinkDevice); remove another after a
 * confirmation, which publishes a new list to every contact and device.
 */
import { useCallback, useEffect, useState } from 'react';
import { call, RpcError } from '../api.ts';
import { ConfirmDialog } from '../Dialog.tsx';
import { formatListTime } from '../format.ts';
import type { DeviceView } from '../types.ts';
import { LinkDevice } from './LinkDevice.tsx';

function seen(d: DeviceView): string {
  const added = `Added ${new Date(d.addedAt).toLocaleDateString()}`;
  if (d.current) return added;
  return d.lastSeen === null
    ? `${added} · not seen from here yet`
    : `${added} · last seen ${formatListTime(d.lastSeen)}`;
}

export function DeviceSettings() {
  const [devices, setDevices] = useState<readonly DeviceView[] | null>(null);
  const [linking, setLinking] = useState(false);
  const [removing, setRemoving] = useState<DeviceView | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(() => {
    void call('devices.list').then(setDevices, (err: unknown) => {
      setDevices([]);
      setError(err instanceof RpcError ? err.message : 'Could not list your devices.');
    });
  }, []);
  useEffect(refresh, [refresh]);

  const remove = (d: DeviceView) => {
    setError(null);
    void call('devices.remove', { id: d.id }).then(refresh, (err: unknown) =>
      setError(err instanceof RpcError ? err.message : `Could not remove ${d.name}; try again.`),
    );
  };

  return (
    <section aria-labelledby="devices-title" className="devices">
      <h3 id="devices-title">Your devices</h3>
      <p className="note">
        Every device of yours is equal: each gets your messages and keeps your whole history. Your contacts
        see when you add or remove one; your safety numbers do not change.
      </p>
      {devices && devices.length > 0 && (
        <ul className="device-list" aria-label="Devices">
          {devices.map((d) => (
            <li key={d.id}>
              <span className="device-name">
                {d.name}
                {d.current && <span className="badge">This device</span>}
              </span>
              <span className="note block">
                {seen(d)} · <span className="mono">{d.id}</span>
              </span>
              {!d.current && (
                <button
                  type="button"
                  className="button danger-button"
                  aria-label={`Remove ${d.name}`}
                  onClick={() => setRemoving(d)}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {linking ? (
        <LinkDevice
          onDone={() => {
            setLinking(false);
            refresh();
          }}
        />
      ) : (
        <button type="button" className="button" onClick={() => setLinking(true)}>
          Link a new device
        </button>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          text={`${removing.name} will get nothing sent from now on, by you or your contacts. It keeps what it already holds. To use it again, link it anew.`}
          confirm="Remove device"
          onConfirm={() => remove(removing)}
          onClose={() => setRemoving(null)}
        />
      )}
    </section>
  );
}
