/**
 * Attachments in Parley Desktop, end to end: two daemons on loopback, two
 * browser windows (Chromium with fake media devices). A photo sent with the
 * attach button shows as a loaded image on the other side; a voice message
 * recorded from the (fake) microphone arrives with its duration and plays;
 * pasted and dropped images are sent too; a hostile file name is only text
 * and its download is an inert octet-stream; /attachments and /upload need
 * the session (401) and our Origin (403).
 */
import { request } from 'node:http';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppPage,
  apiOf,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  loadedFromDaemon,
  openApp,
} from '../support/browser.ts';
import { gradientPng } from '../support/media.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

interface Listed {
  id: string;
  direction: string;
  attachment: { id: string; name: string; status: string; durationMs?: number } | null;
}

/** A raw HTTP request (fetch cannot send a false Content-Length or a foreign Origin reliably). */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Parley Desktop: photos, voice messages and files', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let bobHome: string;
  let alice: AppPage;
  let bob: AppPage;
  const picture = gradientPng(96, 64);

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    bobHome = world.account('Bob');
    [, , browser] = await Promise.all([
      world.daemon(aliceHome),
      world.daemon(bobHome),
      chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...MEDIA_ARGS] }),
    ]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    alice = await openApp(browser, aliceHome);
    bob = await openApp(browser, bobHome);
    await alice.page.getByRole('button', { name: 'Bob' }).click();
    await bob.page.getByRole('button', { name: 'Alice' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('sends a photo with the attach button; the other side sees the picture', async () => {
    const [chooser] = await Promise.all([
      alice.page.waitForEvent('filechooser'),
      alice.page.getByRole('button', { name: 'Attach file' }).click(),
    ]);
    await chooser.setFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: picture });
    await expect.poll(() => loadedFromDaemon(alice.page, 'sunset.png'), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => loadedFromDaemon(bob.page, 'sunset.png'), { timeout: 20_000 }).toBe(true);
    const size = await bob.page
      .getByRole('img', { name: 'Photo: sunset.png' })
      .evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
    expect(size).toEqual([96, 64]);
    // The daemon serves it as a PNG, byte for byte, and honours a Range.
    const list = await world.rpc<Listed[]>(bobHome, 'messages.list', { contact: 'Alice' });
    const id = list.find((m) => m.attachment?.name === 'sunset.png')?.attachment?.id as string;
    const { port, token } = apiOf(bobHome);
    const whole = await raw(port, 'GET', `/attachments/${id}?contact=Alice`, {
      authorization: `Bearer ${token}`,
    });
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('image/png');
    expect(whole.body.equals(picture)).toBe(true);
    const part = await raw(port, 'GET', `/attachments/${id}?contact=Alice`, {
      authorization: `Bearer ${token}`,
      range: 'bytes=100-',
    });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-${picture.length - 1}/${picture.length}`);
    expect(part.body.equals(picture.subarray(100))).toBe(true);
  });

  it('records a voice message from the microphone; the other side sees its duration and plays it', async () => {
    await alice.page.getByRole('button', { name: 'Record voice message' }).click();
    await alice.page.getByRole('timer', { name: 'Recording time' }).waitFor();
    await alice.page.waitForTimeout(1500);
    await alice.page.getByRole('button', { name: 'Send', exact: true }).click();
    await alice.page.getByRole('button', { name: 'Record voice message' }).waitFor();

    const voice = bob.page.getByRole('group', { name: 'Voice message' }).last();
    await voice.waitFor({ timeout: 20_000 });
    await expect.poll(() => voice.locator('.voice-time').textContent()).toMatch(/^0:0[1-3]$/);
    const list = await world.rpc<Listed[]>(bobHome, 'messages.list', { contact: 'Alice' });
    const sent = list.find((m) => m.attachment?.name.startsWith('Voice message'))?.attachment;
    expect(sent?.durationMs).toBeGreaterThan(1000);
    expect(await voice.getByRole('img', { name: 'Waveform' }).locator('rect').count()).toBeGreaterThan(8);

    await voice.getByRole('button', { name: 'Play voice message' }).click();
    const audio = voice.locator('audio');
    await expect
      .poll(
        () =>
          audio.evaluate(
            (el: HTMLAudioElement) => el.duration > 0 && (el.currentTime > 0 || el.played.length > 0),
          ),
        { timeout: 15_000 },
      )
      .toBe(true);
  });

  it('sends a pasted image and a dropped image', async () => {
    const bytes = [...picture];
    await alice.page.getByRole('textbox', { name: 'Message' }).evaluate((box, data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'pasted.png', { type: 'image/png' }));
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await alice.page.getByRole('region', { name: 'Conversation with Bob' }).evaluate((area, data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        area.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await expect.poll(() => loadedFromDaemon(bob.page, 'pasted.png'), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => loadedFromDaemon(bob.page, 'dropped.png'), { timeout: 20_000 }).toBe(true);
  });

  it('shows a hostile file name as text; its download is an inert octet-stream', async () => {
    const { port, token } = apiOf(aliceHome);
    const name = '../../evil<script>.html';
    const q = new URLSearchParams({ contact: 'Bob', name, mime: 'text/html' });
    const res = await fetch(`http://127.0.0.1:${port}/upload?${q}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: '<script>parent.pwned = true</script><img src=x onerror="parent.pwned = true">',
    });
    expect(res.status).toBe(200);
    const shown = 'evil<script>.html';
    const card = bob.page.getByText(shown, { exact: true });
    await card.waitFor({ timeout: 20_000 });
    await bob.page.getByRole('link', { name: 'Save' }).last().waitFor();
    expect(await bob.page.evaluate(() => (window as { pwned?: boolean }).pwned)).toBeUndefined();

    let id = '';
    await eventually(async () => {
      const list = await world.rpc<Listed[]>(bobHome, 'messages.list', { contact: 'Alice' });
      const a = list.find((m) => m.attachment?.name === shown)?.attachment;
      id = a?.id ?? '';
      return a?.status === 'done';
    });
    const bobApi = apiOf(bobHome);
    const download = await raw(bobApi.port, 'GET', `/attachments/${id}?contact=Alice`, {
      authorization: `Bearer ${bobApi.token}`,
    });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.headers['content-disposition']).toBe(
      "attachment; filename*=UTF-8''evil%3Cscript%3E.html",
    );
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(download.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(download.body.toString()).toContain('<script>');
  });

  it('refuses /attachments and /upload without the session (401) or from a foreign Origin (403)', async () => {
    const list = await world.rpc<Listed[]>(bobHome, 'messages.list', { contact: 'Alice' });
    const id = list.find((m) => m.attachment?.name === 'sunset.png')?.attachment?.id as string;
    const { port, token } = apiOf(bobHome);
    const path = `/attachments/${id}?contact=Alice`;
    expect((await raw(port, 'GET', path, {})).status).toBe(401);
    expect((await raw(port, 'GET', path, { cookie: '__Host-parley_session=forged' })).status).toBe(401);
    expect(
      (await raw(port, 'GET', path, { authorization: `Bearer ${token}`, origin: 'http://evil.example' }))
        .status,
    ).toBe(403);
    expect((await raw(port, 'POST', '/upload?contact=Alice&name=x', { 'content-length': '0' })).status).toBe(
      401,
    );
    // Larger than the 2 GiB limit: refused before a byte is read.
    const tooBig = await raw(port, 'POST', '/upload?contact=Alice&name=big.bin', {
      authorization: `Bearer ${token}`,
      'content-length': String(3 * 1024 ** 3),
    });
    expect(tooBig.status).toBe(413);
    // The window's own session cookie works (same origin).
    const status = await bob.page.evaluate(async (p) => (await fetch(p)).status, path);
    expect(status).toBe(200);
    expect(alice.errors.concat(bob.errors).filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
