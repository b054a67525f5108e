/** Terminal QR codes: M for short texts, L for long ones (suite-2 invites), a clear error beyond. */
import { describe, expect, it } from 'vitest';
import { CliError } from '../src/cli-error.ts';
import { QR_MAX_BYTES, qrMatrix, qrSymbol } from '../src/qr.ts';

/** A text of `n` characters shaped like an invite link (base64url after the scheme). */
const link = (n: number): string => `parley://invite/${'AbC-_9'.repeat(n).slice(0, n - 16)}`;

describe('qrSymbol', () => {
  it('keeps level M for a suite-1 invite (626 characters): version 20, 97 modules', () => {
    expect(qrSymbol(link(626)).getModuleCount()).toBe(97);
  });

  it('uses level L for a suite-2 invite (2,307 characters): version 36, 161 modules', () => {
    // At M the same link needs version 40 (177 modules), and 25 more bytes would not fit at all.
    expect(qrSymbol(link(2307)).getModuleCount()).toBe(161);
    expect(qrMatrix(link(2307))).toHaveLength(161 + 4); // quiet zone of 2 on each side
  });

  it('fits the largest QR code, and refuses one byte more with a clear error', () => {
    expect(qrSymbol(link(QR_MAX_BYTES)).getModuleCount()).toBe(177);
    const tooLong = (): unknown => qrSymbol(link(QR_MAX_BYTES + 1));
    expect(tooLong).toThrow(CliError);
    expect(tooLong).toThrow(expect.objectContaining({ code: 'qr-too-long' }) as unknown as Error);
  });
});
