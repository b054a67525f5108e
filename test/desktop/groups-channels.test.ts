/**
 * Parley Desktop: groups and channels between three daemons on loopback
 * (A befriends B and C through the harness). A creates a group with B and C
 * in the UI; B joins it from the invitation banner (C through the API); A writes; B replies in B's UI; A sees the reply under B's
 * name and three members in "Group info", sets a group picture that B sees as the group's
 * avatar, and makes B an admin (B then sees the admin actions). A creates a public channel, copies
 * its follow link, B follows it in B's UI, A posts, and B sees the post with
 * no composer; A appoints B as a publisher, and B's post reaches A.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { eventually, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
/** A valid 1×1 PNG (the UI re-encodes pictures as JPEG). */
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const message = (page: Page, text: string) => page.getByRole('article').filter({ hasText: text }).last();
const chat = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name, exact: true });

async function send(page: Page, text: string, box = 'Message'): Promise<void> {
  const input = page.getByRole('textbox', { name: box, exact: true });
  await input.fill(text);
  await input.press('Enter');
  await expect.poll(() => input.inputValue()).toBe('');
}

describe('Parley Desktop: groups and channels', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aHome: string;
  let bHome: string;
  let cHome: string;
  let a: AppPage;
  let b: AppPage;

  beforeAll(async () => {
    aHome = world.account('Ann');
    bHome = world.account('Ben');
    cHome = world.account('Cleo');
    const [, , , br] = await Promise.all([
      world.daemon(aHome),
      world.daemon(bHome),
      world.daemon(cHome),
      launchBrowser(),
    ]);
    browser = br;
    await world.befriend(aHome, 'Ann', bHome, 'Ben');
    // befriend() expects a fresh pair; the second contact is added by hand.
    const invite = world.run(cHome, ['invite']).stdout.trim();
    expect(world.run(aHome, ['contacts', 'add', 'Cleo', invite]).code).toBe(0);
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; state: string }>>(cHome, 'contacts.list')).some(
        (c) => c.name === 'Ann' && c.state === 'active',
      ),
    );
    [a, b] = await Promise.all([openApp(browser, aHome), openApp(browser, bHome)]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('creates a group in the UI; members write to each other with names and receipts', async () => {
    await a.page.getByRole('button', { name: 'New group' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'New group' });
    await dialog.getByRole('textbox', { name: 'Group name' }).fill('Hikers');
    await dialog.getByRole('checkbox', { name: 'Ben' }).check();
    await dialog.getByRole('checkbox', { name: 'Cleo' }).check();
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await a.page.getByRole('region', { name: 'Group Hikers' }).waitFor();

    // For B it is an invitation, a request: B joins in the UI, Cleo through the API.
    await chat(b.page, 'Hikers').click({ timeout: UI_TIMEOUT_MS });
    const invitation = b.page.getByRole('region', { name: 'Group invitation' });
    await invitation.getByText('Ann invited you to Hikers').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await b.page.getByRole('textbox', { name: 'Message', exact: true }).count()).toBe(0);
    await invitation.getByRole('button', { name: 'Join group' }).click();
    await b.page.getByRole('textbox', { name: 'Message', exact: true }).waitFor({ timeout: UI_TIMEOUT_MS });
    await eventually(async () =>
      (await world.rpc<Array<{ name: string; status: string }>>(cHome, 'groups.list')).some(
        (g) => g.name === 'Hikers' && g.status === 'invited',
      ),
    );
    await world.rpc(cHome, 'groups.accept', { group: 'Hikers' });

    await send(a.page, 'Hello hikers, this is Ann');
    const fromAnn = message(b.page, 'Hello hikers, this is Ann');
    await fromAnn.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await fromAnn.getAttribute('aria-label')).toMatch(/^Ann, /);
    await fromAnn.getByText('Ann', { exact: true }).waitFor();
    await send(b.page, 'Ben here, count me in');

    const reply = message(a.page, 'Ben here, count me in');
    await reply.waitFor({ timeout: UI_TIMEOUT_MS });
    await reply.getByText('Ben', { exact: true }).waitFor();
    // Typing shows in the group's header for the others.
    await a.page.getByRole('textbox', { name: 'Message', exact: true }).fill('Let me th');
    await b.page.getByText('Ann is typing…').waitFor({ timeout: UI_TIMEOUT_MS });
    await a.page.getByRole('textbox', { name: 'Message', exact: true }).fill('');
    // Our own message: how far it got, in words beside the ticks (not "0/2"), named by those
    // words (WCAG 2.5.3); each member's receipt in a popover.
    const mine = message(a.page, 'Hello hikers, this is Ann');
    const toggle = mine.getByRole('button', { name: 'Delivery details' });
    await expect
      .poll(() => toggle.textContent(), { timeout: UI_TIMEOUT_MS })
      .toMatch(/^(Read by [12] of 2|Delivered to [12] of 2)$/);
    const [shown, name] = await toggle.evaluate((el) => [el.textContent, el.getAttribute('aria-label')]);
    expect(name).toContain(shown);
    await toggle.click();
    const receipts = mine.getByRole('list', { name: 'Delivery details' });
    await receipts.getByText('Ben').waitFor();
    await receipts.getByText('Cleo').waitFor();
    await receipts
      .getByText(/Read|Delivered/)
      .first()
      .waitFor({ timeout: UI_TIMEOUT_MS });

    await a.page.getByRole('button', { name: 'Group info' }).click();
    const members = a.page.getByRole('list', { name: 'Members' });
    await expect.poll(() => members.getByRole('listitem').count()).toBe(3);
    await members.getByRole('listitem', { name: /^You, Admin/ }).waitFor();
    await members.getByRole('listitem', { name: /^Ben, Member/ }).waitFor();
    await a.page.getByRole('button', { name: 'Remove Cleo' }).waitFor();
    // The admin sets a picture: it becomes the group's avatar for every member.
    await a.page.getByLabel('Choose group picture').setInputFiles({
      name: 'hikers.png',
      mimeType: 'image/png',
      buffer: Buffer.from(PNG_1X1, 'base64'),
    });
    await a.page.getByRole('img', { name: 'Picture of Hikers' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await a.page.getByRole('button', { name: 'Remove picture' }).waitFor();
    await a.page.getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => chat(b.page, 'Hikers').locator('img.avatar-picture').count(), { timeout: UI_TIMEOUT_MS })
      .toBe(1);
    expect(await chat(b.page, 'Hikers').locator('img.avatar-picture').getAttribute('src')).toMatch(
      /^data:image\/jpeg;base64,/,
    );

    // B is not an admin: no admin actions, but "Leave group".
    await b.page.getByRole('button', { name: 'Group info' }).click();
    await b.page.getByRole('button', { name: 'Leave group' }).waitFor();
    expect(await b.page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await b.page.getByRole('button', { name: 'Close' }).click();

    // A makes B an admin (confirmed): B's Group info then offers the admin actions.
    await a.page.getByRole('button', { name: 'Group info' }).click();
    await a.page.getByRole('button', { name: 'Make admin: Ben' }).click();
    await a.page.getByRole('button', { name: 'Make admin', exact: true }).click();
    await members.getByRole('listitem', { name: /^Ben, Admin/ }).waitFor({ timeout: UI_TIMEOUT_MS });
    await a.page.getByRole('button', { name: 'Remove as admin: Ben' }).waitFor();
    await a.page.getByRole('button', { name: 'Close' }).click();
    await b.page.getByRole('button', { name: 'Group info' }).click();
    await b.page.getByRole('button', { name: 'Remove Cleo' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await b.page.getByRole('button', { name: 'Close' }).click();
  });

  it("shows a member's avatar beside the first bubble of their run, not ours, not in 1:1", async () => {
    await send(a.page, 'Ann again: who brings the map?');
    await send(b.page, 'I will bring the map');
    await send(b.page, 'and a compass');
    const first = message(a.page, 'I will bring the map');
    const second = message(a.page, 'and a compass');
    await second.waitFor({ timeout: UI_TIMEOUT_MS });
    // Decorative (the name is written above the bubble): hidden from assistive technology.
    const avatar = first.locator('.avatar');
    expect(await avatar.count()).toBe(1);
    expect(await avatar.getAttribute('aria-hidden')).toBe('true');
    expect(await avatar.textContent()).toBe('B');
    // In the member's colour, the colour of their name.
    const [fill, nameColour] = await first.evaluate((el) => [
      getComputedStyle(el.querySelector('.avatar') as Element).backgroundColor,
      getComputedStyle(el.querySelector('.sender-name') as Element).color,
    ]);
    expect(fill).toBe(nameColour);
    // Once per run; none beside our own messages.
    expect(await second.locator('.avatar').count()).toBe(0);
    expect(await message(a.page, 'Ann again: who brings the map?').locator('.avatar').count()).toBe(0);
    // The run's bubbles line up, right of the avatar.
    const layout = async () => {
      const [av, b1, b2] = await Promise.all([
        avatar.boundingBox(),
        first.locator('.bubble').boundingBox(),
        second.locator('.bubble').boundingBox(),
      ]);
      if (!av || !b1 || !b2) throw new Error('avatar or bubble not laid out');
      expect(av.x).toBeGreaterThanOrEqual(0);
      expect(av.x + av.width).toBeLessThanOrEqual(b1.x);
      expect(Math.abs(b1.x - b2.x)).toBeLessThan(1);
      expect(Math.abs(av.y - b1.y)).toBeLessThan(1);
    };
    await layout();
    // At 400 px wide too, with no sideways scrolling.
    await a.page.setViewportSize({ width: 400, height: 700 });
    await layout();
    expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400);
    await a.page.setViewportSize({ width: 1100, height: 760 });

    // Ben's view: Ann's run has Ann's avatar.
    await message(b.page, 'Ann again: who brings the map?').locator('.avatar').getByText('A').waitFor();
    // A 1:1 chat shows no avatars beside messages.
    await world.rpc(bHome, 'messages.send', { contact: 'Ann', text: 'Just between us' });
    await chat(a.page, 'Ben').click();
    await message(a.page, 'Just between us').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await a.page.getByRole('log', { name: 'Messages' }).locator('.avatar').count()).toBe(0);
    await chat(a.page, 'Hikers').click();
  });

  it('follows a public channel through its link; the owner posts, the follower reads', async () => {
    await a.page.getByRole('button', { name: 'New channel' }).click();
    const create = a.page.getByRole('dialog', { name: 'New channel' });
    await create.getByRole('textbox', { name: 'Channel name' }).fill('Trail news');
    await create.getByRole('button', { name: 'Create channel' }).click();
    await a.page.getByRole('region', { name: 'Channel Trail news' }).waitFor();

    await a.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await a.page.getByRole('button', { name: 'Channel info' }).click();
    await a.page.getByRole('img', { name: 'Follow link for Trail news as a QR code' }).waitFor();
    await a.page.getByRole('button', { name: 'Copy' }).click();
    await a.page.getByRole('button', { name: 'Copied' }).waitFor();
    const link = await a.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toMatch(/^parley:\/\/channel\//);
    await a.page.getByRole('button', { name: 'Close' }).click();

    await b.page.getByRole('button', { name: 'Follow a channel' }).click();
    const follow = b.page.getByRole('dialog', { name: 'Follow a channel' });
    await follow.getByRole('textbox', { name: 'Channel link' }).fill(link);
    await follow.getByRole('button', { name: 'Follow', exact: true }).click();
    const view = b.page.getByRole('region', { name: 'Channel Trail news' });
    await view.waitFor();
    await view.getByText("Only the channel's publishers can post.").waitFor();

    await send(a.page, 'Bridge on the ridge loop is open again', 'Post');
    await message(a.page, 'Bridge on the ridge loop is open again').waitFor();
    await message(b.page, 'Bridge on the ridge loop is open again').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await b.page.getByRole('textbox', { name: 'Post' }).count()).toBe(0);
    expect(await b.page.getByRole('textbox', { name: 'Message' }).count()).toBe(0);
    await chat(b.page, 'Trail news').waitFor();

    // The owner appoints Ben as a publisher: Ben gets the Post composer and his post reaches Ann.
    await a.page.getByRole('button', { name: 'Channel info' }).click();
    const appoint = a.page.getByRole('form', { name: 'Appoint a publisher' });
    await appoint.getByRole('combobox').selectOption('Ben');
    await appoint.getByRole('button', { name: 'Appoint' }).click();
    await a.page
      .getByRole('region', { name: 'Publishers' })
      .getByRole('button', { name: 'Remove Ben' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await a.page.getByRole('button', { name: 'Close' }).click();
    await b.page.getByRole('textbox', { name: 'Post' }).waitFor({ timeout: UI_TIMEOUT_MS });
    await send(b.page, 'Ben posting for the trail crew', 'Post');
    await message(a.page, 'Ben posting for the trail crew').waitFor({ timeout: UI_TIMEOUT_MS });
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
