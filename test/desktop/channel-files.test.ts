/**
 * Files in a channel in Parley Desktop (issue 20): two daemons on loopback that are not contacts.
 * Ann owns the public channel "Peaks", Ben follows it by its link. In the channel, Ann attaches a
 * photo with the Post composer's attach button; Ben sees it loaded from his own daemon (which
 * fetched it from Ann's) and opens it in the lightbox, and his daemon serves it byte for byte under
 * the channel's name. Ben, a follower, has no attach button. axe-core finds no serious or
 * critical violation on either side.
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
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

interface Listed {
  readonly text: string;
  readonly attachment: { readonly id: string; readonly name: string; readonly status: string } | null;
}

const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

describe('Parley Desktop: files in a channel', { timeout: 120_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  const homes = { ann: '', ben: '' };
  let ann: AppPage;
  let ben: AppPage;
  const picture = gradientPng(120, 80);

  beforeAll(async () => {
    homes.ann = world.account('Ann');
    homes.ben = world.account('Ben');
    [, , browser] = await Promise.all([
      world.daemon(homes.ann),
      world.daemon(homes.ben),
      chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] }),
    ]);
    await world.rpc(homes.ann, 'channels.create', { name: 'Peaks' });
    const { link } = await world.rpc<{ link: string }>(homes.ann, 'channels.invite', { name: 'Peaks' });
    await world.rpc(homes.ben, 'channels.follow', { link });
    [ann, ben] = await Promise.all([openApp(browser, homes.ann), openApp(browser, homes.ben)]);
    await chat(ann.page, 'Peaks').click({ timeout: UI_TIMEOUT_MS });
    await chat(ben.page, 'Peaks').click({ timeout: UI_TIMEOUT_MS });
    await ann.page.getByRole('region', { name: 'Channel Peaks' }).waitFor();
    await ben.page.getByRole('region', { name: 'Channel Peaks' }).waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('the owner attaches a photo in the channel; the follower sees it and its daemon serves it', async () => {
    expect(await ben.page.getByRole('button', { name: 'Attach file' }).count()).toBe(0);
    const [chooser] = await Promise.all([
      ann.page.waitForEvent('filechooser'),
      ann.page.getByRole('button', { name: 'Attach file' }).click(),
    ]);
    await chooser.setFiles([{ name: 'ridge.png', mimeType: 'image/png', buffer: picture }]);
    await expect.poll(() => loadedFromDaemon(ann.page, 'ridge.png'), { timeout: UI_TIMEOUT_MS }).toBe(true);
    await expect.poll(() => loadedFromDaemon(ben.page, 'ridge.png'), { timeout: UI_TIMEOUT_MS }).toBe(true);

    // Ben's daemon fetched it from Ann's and serves it under the channel's name, byte for byte.
    const list = await world.rpc<Listed[]>(homes.ben, 'channels.posts', { name: 'Peaks' });
    const post = list.find((m) => m.attachment?.name === 'ridge.png');
    expect(post?.attachment?.status).toBe('done');
    const png = await apiGet(homes.ben, `/attachments/${post?.attachment?.id}?contact=Peaks`);
    expect(png.status).toBe(200);
    expect(png.body.equals(picture)).toBe(true);

    // The photo opens in the lightbox.
    await ben.page.getByRole('button', { name: 'Open ridge.png' }).last().click();
    await ben.page.getByRole('dialog').waitFor({ timeout: UI_TIMEOUT_MS });
    await ben.page.keyboard.press('Escape');

    for (const side of [ann, ben]) expect(await axe(side.page)).toEqual([]);
  });
});
