import { createMemoryNetwork, encodeFrame, type Transport } from '@parley/core';
import { describe, expect, it } from 'vitest';
import { createTracer, tracerFromEnv } from '../src/daemon/trace.ts';

const SECRET = new TextEncoder().encode('the plaintext-looking payload that must not be logged');

function pair(lines: string[]): { a: Transport; b: Transport; received: Uint8Array[] } {
  const network = createMemoryNetwork();
  const tracer = createTracer(true, (line) => lines.push(line));
  const a = tracer.wrapTransport(network.createTransport('peer-aaaaaa'));
  const b = network.createTransport('peer-bbbbbb');
  const received: Uint8Array[] = [];
  for (const t of [a, b]) t.setAdmission(() => true);
  b.onFrame((f) => {
    received.push(f.data);
  });
  a.onFrame(() => undefined);
  return { a, b, received };
}

describe('PARLEY_TRACE', () => {
  it('is inert unless PARLEY_TRACE=1: the transport is returned untouched, nothing is logged', () => {
    const lines: string[] = [];
    const transport = createMemoryNetwork().createTransport('peer-x');
    for (const value of [undefined, '', '0', 'yes']) {
      const tracer = tracerFromEnv(value === undefined ? {} : { PARLEY_TRACE: value }, (l) => lines.push(l));
      expect(tracer.active).toBe(false);
      expect(tracer.wrapTransport(transport)).toBe(transport);
      tracer.note('x');
    }
    expect(lines).toEqual([]);
    expect(tracerFromEnv({ PARLEY_TRACE: '1' }, () => undefined).active).toBe(true);
  });

  it('logs each frame by type, size and short digest, and the frames still pass unchanged', async () => {
    const lines: string[] = [];
    const { a, b, received } = pair(lines);
    await a.connect('peer-bbbbbb');
    const msg = encodeFrame({ type: 'msg', message: SECRET });
    await a.send('peer-bbbbbb', msg);
    await b.send('peer-aaaaaa', encodeFrame({ type: 'ack', digests: ['00112233445566778899aabbccddeeff'] }));
    await expect.poll(() => lines.some((l) => l.includes('recv ack'))).toBe(true);
    expect(received).toEqual([msg]);
    const text = lines.join('\n');
    expect(text).toMatch(/connect → …bbbbbb ok in [\d.]+ms/);
    expect(text).toMatch(new RegExp(`send msg ${msg.length}B d=[0-9a-f]{8} → …bbbbbb written in`));
    expect(text).toMatch(/recv ack \[00112233\] ← …bbbbbb/);
    for (const line of lines) expect(line).toMatch(/^trace \+\d+\.\d{3}s /);
    // never content: not the bytes, not their hex, not their text
    expect(text).not.toContain('plaintext-looking');
    expect(text).not.toContain(Buffer.from(SECRET).toString('hex').slice(0, 16));
  });

  it('logs a failed send and passes the error on', async () => {
    const lines: string[] = [];
    const { a } = pair(lines);
    await expect(a.send('peer-nobody', encodeFrame({ type: 'hello' }))).rejects.toThrow();
    expect(lines.join('\n')).toMatch(/send hello 3B → …nobody FAILED in [\d.]+ms: /);
  });
});
