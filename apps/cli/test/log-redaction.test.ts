/** The daemon's log names peers by a short suffix of their PeerId only (log-redaction.ts). */
import { describe, expect, it } from 'vitest';
import { redactPeerIds, shortPeerId } from '../src/daemon/log-redaction.ts';

const ED25519 = '12D3KooWRm5FfHjdr3zKNBczzDkAhM7Vq2nZ2ie2pZUsd7dGKxxj';
const RSA = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N';
const SECP = '16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY';

describe('redactPeerIds', () => {
  it('keeps only the last 6 characters of every PeerId in a line', () => {
    const line = `reset /parley/msg stream from ${ED25519}: bad frame; dialing /ip4/1.2.3.4/tcp/4001/p2p/${RSA} and ${SECP}`;
    const out = redactPeerIds(line);
    for (const id of [ED25519, RSA, SECP]) {
      expect(out).not.toContain(id);
      expect(out).toContain(shortPeerId(id));
    }
    expect(shortPeerId(ED25519)).toBe('…dGKxxj');
    expect(out).toBe(
      'reset /parley/msg stream from …dGKxxj: bad frame; dialing /ip4/1.2.3.4/tcp/4001/p2p/…Wjhx5N and …5KvLpY',
    );
  });

  it('leaves lines without a PeerId alone', () => {
    const line = 'trace +1.000s send msg 1093B d=ab12cd34 → …dGKxxj written in 2.1ms';
    expect(redactPeerIds(line)).toBe(line);
  });
});
