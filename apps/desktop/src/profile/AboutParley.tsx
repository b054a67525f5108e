/** Settings → About Parley: the version the daemon runs, and what Parley is. No external links. */
import { useEffect, useState } from 'react';
import { call } from '../api.ts';

export function AboutParley() {
  const [version, setVersion] = useState<string | null>(null);
  useEffect(() => {
    void call('daemon.state').then(
      (s) => setVersion(s.version),
      () => setVersion(''),
    );
  }, []);
  return (
    <section aria-labelledby="about-title">
      <h3 id="about-title">About Parley</h3>
      <dl className="facts">
        <dt>Version</dt>
        <dd data-testid="parley-version">{version === null ? '…' : version || 'Unknown'}</dd>
      </dl>
      <p className="note">
        Parley is a peer-to-peer messenger: messages go from your device to your contacts’ devices, end-to-end
        encrypted, with no server of ours in between. Your data stays in your data folder, encrypted.
      </p>
    </section>
  );
}
