/**
 * Files in a group in Parley Desktop (issue 20): three daemons on loopback, Ann befriends Ben and
 * Cleo and they meet in the group "Hikers". In the group, Ann attaches a photo and a file with the
 * attach button (the file input); Ben sees the photo loaded from his daemon and the file with its
 * Save link, and his daemon serves both byte for byte under the group's name. axe-core finds no
 * serious or critical violation on either side. A voice message recorded from the (fake) microphone
 * in the group arrives with its duration, and pasted and dropped images are sent to the group.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axe } from '../support/axe.ts';
import {
  type AppPage,
  apiGet,
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  loadedFromDaemon,
  openApp,
} from '../support/browser.ts';
import { gradientPng } from '../support/media.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
const MEDIA_ARGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

interface Listed {
  readonly attachment: { readonly id: string; readonly name: string; readonly status: string } | null;
}
interface GroupJson {
  readonly name: string;
  readonly status: string;
  readonly members: ReadonlyArray<{ readonly keyReceived: boolean; readonly keySent: boolean }>;
}

const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

describe('Parley Desktop: files in a group', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  const homes = { ann: '', ben: '', cleo: '' };
  let ann: AppPage;
  let ben: AppPage;
  const picture = gradientPng(96, 64);
  const notes = Buffer.from('Route: north ridge, then the col.\n'.repeat(2000));

  beforeAll(async () => {
    homes.ann = world.account('Ann');
    homes.ben = world.account('Ben');
    homes.cleo = world.account('Cleo');
    [, , , browser] = await Promise.all([
      world.daemon(homes.ann),
      world.daemon(homes.ben),
      world.daemon(homes.cleo),
      chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...MEDIA_ARGS] }),
    ]);
    await world.befriend(homes.ann, 'Ann', homes.ben, 'Ben');
    const invite = world.run(homes.cleo, ['invite']).stdout.trim();
    expect(world.run(homes.ann, ['contacts', 'add', 'Cleo', invite]).code).toBe(0);
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(homes.cleo, 'contacts.list')).some(
        (c) => c.name === 'Ann' && c.state === 'active',
      ),
    );
    await world.rpc(homes.ann, 'groups.create', { name: 'Hikers', members: ['Ben', 'Cleo'] });
    for (const home of [homes.ben, homes.cleo]) {
      await eventually(
        async () => (await world.rpc<GroupJson>(home, 'groups.get', { name: 'Hikers' })).status === 'invited',
      );
      await world.rpc(home, 'groups.accept', { group: 'Hikers' });
    }
    await eventually(
      async () =>
        (
          await Promise.all(
            Object.values(homes).map((h) => world.rpc<GroupJson>(h, 'groups.get', { name: 'Hikers' })),
          )
        ).every((g) => g.status === 'active' && g.members.every((m) => m.keyReceived && m.keySent)),
      60_000,
    );
    [ann, ben] = await Promise.all([openApp(browser, homes.ann), openApp(browser, homes.ben)]);
    await chat(ann.page, 'Hikers').click({ timeout: UI_TIMEOUT_MS });
    await chat(ben.page, 'Hikers').click({ timeout: UI_TIMEOUT_MS });
    await ann.page.getByRole('region', { name: 'Group Hikers' }).waitFor();
    await ben.page.getByRole('region', { name: 'Group Hikers' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('attaches a photo and a file in the group; the other member sees and saves them', async () => {
    const [chooser] = await Promise.all([
      ann.page.waitForEvent('filechooser'),
      ann.page.getByRole('button', { name: 'Attach file' }).click(),
    ]);
    await chooser.setFiles([
      { name: 'summit.png', mimeType: 'image/png', buffer: picture },
      { name: 'route.txt', mimeType: 'text/plain', buffer: notes },
    ]);
    await expect.poll(() => loadedFromDaemon(ann.page, 'summit.png'), { timeout: UI_TIMEOUT_MS }).toBe(true);
    await expect.poll(() => loadedFromDaemon(ben.page, 'summit.png'), { timeout: UI_TIMEOUT_MS }).toBe(true);
    const photo = ben.page
      .getByRole('article')
      .filter({ has: ben.page.getByRole('img', { name: 'Photo: summit.png' }) });
    expect(await photo.last().getAttribute('aria-label')).toMatch(/^Ann, /);
    await ben.page.getByTitle('Save route.txt').waitFor({ timeout: UI_TIMEOUT_MS });

    // Ben's daemon serves both under the group's name, byte for byte.
    const list = await world.rpc<Listed[]>(homes.ben, 'messages.list', { contact: 'Hikers' });
    const idOf = (name: string) => list.find((m) => m.attachment?.name === name)?.attachment?.id as string;
    const png = await apiGet(homes.ben, `/attachments/${idOf('summit.png')}?contact=Hikers`);
    expect(png.status).toBe(200);
    expect(png.body.equals(picture)).toBe(true);
    const txt = await apiGet(homes.ben, `/attachments/${idOf('route.txt')}?contact=Hikers&download=1`);
    expect(txt.body.equals(notes)).toBe(true);
    // Cleo's daemon got them too.
    await eventually(
      async () =>
        (await world.rpc<Listed[]>(homes.cleo, 'messages.list', { contact: 'Hikers' })).filter(
          (m) => m.attachment?.status === 'done',
        ).length === 2,
    );

    // The photo opens in the lightbox, not in a new tab.
    await ben.page.getByRole('button', { name: 'Open summit.png' }).last().click();
    await ben.page.getByRole('dialog').waitFor({ timeout: UI_TIMEOUT_MS });
    await ben.page.keyboard.press('Escape');

    for (const side of [ann, ben]) expect(await axe(side.page)).toEqual([]);
  });

  it('records a voice message in the group, and sends pasted and dropped images', async () => {
    await ben.page.getByRole('button', { name: 'Record voice message' }).click();
    await ben.page.getByRole('timer', { name: 'Recording time' }).waitFor();
    await ben.page.waitForTimeout(1500);
    await ben.page.getByRole('button', { name: 'Send', exact: true }).click();
    const voice = ann.page.getByRole('group', { name: 'Voice message' }).last();
    await voice.waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(() => voice.locator('.voice-time').textContent()).toMatch(/^0:0[1-3]$/);

    const bytes = [...picture];
    await ann.page.getByRole('textbox', { name: 'Message', exact: true }).evaluate((box, data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'pasted.png', { type: 'image/png' }));
      box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await ann.page.getByRole('region', { name: 'Group Hikers' }).evaluate((area, data) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        area.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await expect.poll(() => loadedFromDaemon(ben.page, 'pasted.png'), { timeout: UI_TIMEOUT_MS }).toBe(true);
    await expect.poll(() => loadedFromDaemon(ben.page, 'dropped.png'), { timeout: UI_TIMEOUT_MS }).toBe(true);
  });
});
