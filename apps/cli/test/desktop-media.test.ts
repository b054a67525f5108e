/** desktop-media.ts: what the /attachments route tells the browser about a file. */
import { describe, expect, it } from 'vitest';
import { attachmentHeaders } from '../src/daemon/desktop-media.ts';

describe('attachmentHeaders', () => {
  it.each([
    ['photo.png', 'image/png', false],
    ['voice.ogg', 'audio/ogg', false],
    ['evil.html', 'text/html', false],
    ['photo.png', 'image/png', true],
  ])(
    '%s (%s, download=%s): only our own origin may load it, and it can never run',
    (name, mime, download) => {
      const h = attachmentHeaders(name, mime, download);
      expect(h['cross-origin-resource-policy']).toBe('same-origin');
      expect(h['x-content-type-options']).toBe('nosniff');
      expect(h['content-security-policy']).toBe("default-src 'none'; sandbox");
    },
  );
});
