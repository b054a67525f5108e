/**
 * Parley Desktop end to end: two daemons on loopback, two browser contexts.
 * Onboarding in the UI, adding a contact through an invite link copied in
 * one window and pasted in the other, messages both ways with delivery
 * ticks, reply / reaction / edit / delete seen on the other side, history
 * after a daemon restart, and the identity-change banner.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { type Daemon, ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;

const message = (page: Page, text: string) => page.getByRole('article').filter({ hasText: text }).last();

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => box.inputValue()).toBe('');
}

describe('Parley Desktop: a conversation between two windows', { timeout: 60_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  let bobHome: string;
  let bobDaemon: Daemon;
  let alice: AppPage;
  let bob: AppPage;

  beforeAll(async () => {
    aliceHome = world.home('alice');
    bobHome = world.account('Bob');
    const [, b, br] = await Promise.all([
      world.daemon(aliceHome, ['--allow-locked']),
      world.daemon(bobHome),
      launchBrowser(),
    ]);
    bobDaemon = b;
    browser = br;
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('onboards a new account in the UI (no passphrase, trade-off shown)', async () => {
    alice = await openApp(browser, aliceHome);
    const { page } = alice;
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByRole('textbox', { name: 'Your name' }).fill('Alice');
    const without = page.getByRole('radio', { name: /Without a passphrase/ });
    await page.getByText(/anyone who can read your files/).waitFor();
    await without.check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Add contact' }).waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await world.rpc<{ name: string }>(aliceHome, 'id')).toMatchObject({ name: 'Alice' });
    await page.getByRole('status', { name: /Daemon connection: Connected/ }).waitFor();
  });

  it('adds a contact by invite: copied in one window, pasted in the other; both sides see it', async () => {
    bob = await openApp(browser, bobHome);
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await alice.page.getByRole('button', { name: 'Add contact' }).click();
    const linkBox = alice.page.getByRole('textbox', { name: 'Your invite link' });
    await linkBox.waitFor();
    await alice.page.getByRole('button', { name: 'Copy' }).click();
    await alice.page.getByRole('button', { name: 'Copied' }).waitFor();
    const link = await alice.page.evaluate(() => navigator.clipboard.readText());
    expect(link).toBe(await linkBox.inputValue());
    expect(link).toMatch(/^parley:\/\/invite\//);
    await alice.page.getByRole('button', { name: 'Close' }).click();

    await bob.page.getByRole('button', { name: 'Add contact' }).click();
    await bob.page.getByRole('textbox', { name: 'Invite link', exact: true }).fill(link);
    await bob.page.getByRole('button', { name: 'Add', exact: true }).click();
    await bob.page.getByRole('list', { name: 'Contacts' }).getByRole('button', { name: 'Alice' }).waitFor();
    await alice.page
      .getByRole('list', { name: 'Contacts' })
      .getByRole('button', { name: 'Bob' })
      .waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('sends messages both ways with delivered ticks', async () => {
    await alice.page.getByRole('button', { name: 'Bob' }).click();
    await send(alice.page, 'Hello Bob, this is Alice');
    await message(alice.page, 'Hello Bob, this is Alice')
      .getByRole('img', { name: /^(Delivered|Read)$/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });

    await bob.page.getByRole('button', { name: 'Alice' }).click();
    await message(bob.page, 'Hello Bob, this is Alice').waitFor({ timeout: UI_TIMEOUT_MS });
    await send(bob.page, 'Hi Alice! Bob here.\nSecond line');
    await message(bob.page, 'Hi Alice! Bob here.')
      .getByRole('img', { name: /^(Delivered|Read)$/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await message(alice.page, 'Hi Alice! Bob here.').waitFor({ timeout: UI_TIMEOUT_MS });
    // Shift+Enter is a new line, not a send.
    const box = alice.page.getByRole('textbox', { name: 'Message' });
    await box.fill('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    expect(await box.inputValue()).toBe('line one\nline two');
    await box.fill('');
  });

  it('shows a reply, a reaction, an edit and a delete on the other side', async () => {
    // Bob replies to Alice's message.
    const target = message(bob.page, 'Hello Bob, this is Alice');
    await target.hover();
    await target.getByRole('button', { name: 'Reply' }).click();
    await send(bob.page, 'Replying to you');
    await message(alice.page, 'Replying to you')
      .getByRole('button', { name: /^Reply to You: Hello Bob, this is Alice/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });

    // Alice reacts to Bob's message.
    const bobs = message(alice.page, 'Hi Alice! Bob here.');
    await bobs.hover();
    await bobs.getByRole('button', { name: 'React', exact: true }).click();
    await bobs.getByRole('button', { name: 'React with 👍' }).click();
    await message(bob.page, 'Hi Alice! Bob here.')
      .getByRole('list', { name: 'Reactions' })
      .getByText('👍 from Alice')
      .waitFor({ timeout: UI_TIMEOUT_MS });

    // Alice edits her message.
    await send(alice.page, 'Tpyo here');
    await message(bob.page, 'Tpyo here').waitFor({ timeout: UI_TIMEOUT_MS });
    const typo = message(alice.page, 'Tpyo here');
    await typo.hover();
    await typo.getByRole('button', { name: 'More actions' }).click();
    await alice.page.getByRole('menuitem', { name: 'Edit' }).click();
    const box = alice.page.getByRole('textbox', { name: 'Message' });
    expect(await box.inputValue()).toBe('Tpyo here');
    await box.fill('Typo fixed');
    await box.press('Enter');
    const edited = message(bob.page, 'Typo fixed');
    await edited.getByText('edited').waitFor({ timeout: UI_TIMEOUT_MS });

    // Alice deletes it for everyone.
    const mine = message(alice.page, 'Typo fixed');
    await mine.hover();
    await mine.getByRole('button', { name: 'More actions' }).click();
    await alice.page.getByRole('menuitem', { name: 'Delete for everyone' }).click();
    await alice.page
      .getByRole('dialog', { name: 'Delete for everyone?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    const bobLog = bob.page.getByRole('log', { name: 'Messages' });
    await bobLog.getByText('This message was deleted').waitFor({ timeout: UI_TIMEOUT_MS });
    await expect.poll(() => bobLog.getByText('Typo fixed').count()).toBe(0);
  });

  it('keeps the history across a daemon restart', async () => {
    await world.stop(bobDaemon);
    const chat = alice.page.getByRole('region', { name: 'Conversation with Bob' });
    await chat
      .getByRole('status')
      .filter({ hasText: /^offline$/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });
    await chat.getByText('Bob is offline: messages are queued').waitFor();
    await send(alice.page, 'Sent while you were away');
    await message(alice.page, 'Sent while you were away').getByRole('img', { name: 'Queued' }).waitFor();
    const waiting = alice.page.getByRole('status').filter({ hasText: /^\d+ waiting to send$/ });
    await waiting.waitFor({ timeout: UI_TIMEOUT_MS }); // the sidebar counts the daemon's outbox
    bobDaemon = await world.daemon(bobHome);
    await bob.context.close();
    bob = await openApp(browser, bobHome);
    await bob.page.getByRole('button', { name: 'Alice' }).click();
    await message(bob.page, 'Hello Bob, this is Alice').waitFor({ timeout: UI_TIMEOUT_MS });
    await message(bob.page, 'Replying to you').waitFor();
    await bob.page.getByRole('log', { name: 'Messages' }).getByText('This message was deleted').waitFor();
    // The queued message goes out once Bob is back.
    await message(bob.page, 'Sent while you were away').waitFor({ timeout: UI_TIMEOUT_MS });
    await waiting.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
    await chat
      .getByRole('status')
      .filter({ hasText: /^online$/ })
      .waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('warns when a contact’s identity key changed and blocks sending until accepted', async () => {
    // A real key change needs a second account with the same peer; this renders the API state
    // that drives the banner (contact.identityChanged / sendingBlocked) by rewriting RPC answers.
    const { page } = alice;
    let changed = true;
    let accepted = 0;
    await page.route('**/rpc', async (route) => {
      const body = route.request().postDataJSON() as { method: string };
      if (body.method === 'contacts.acceptKey') {
        accepted++;
        changed = false;
        return route.fulfill({ json: { jsonrpc: '2.0', id: 1, result: null } });
      }
      const response = await route.fetch();
      const json = (await response.json()) as { result?: unknown };
      if (changed && body.method === 'conversations.list' && Array.isArray(json.result))
        for (const c of json.result as Array<{ contact: Record<string, unknown> }>)
          Object.assign(c.contact, { identityChanged: true, verified: true, sendingBlocked: true });
      return route.fulfill({ response, json });
    });
    await page.reload();
    await page.getByRole('button', { name: 'Bob' }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'safety number has changed' });
    await banner.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await banner.textContent()).toContain('Sending is blocked');
    expect(await page.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    await banner.getByRole('button', { name: 'Accept new safety number' }).click();
    await expect.poll(() => accepted).toBe(1);
    await banner.waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
    expect(await page.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(false);
    await page.unroute('**/rpc');
  });

  it('logged no errors in either window', () => {
    const ignorable = (e: string) => /favicon|ERR_CONNECTION_REFUSED|WebSocket/.test(e);
    expect(alice.errors.filter((e) => !ignorable(e))).toEqual([]);
    expect(bob.errors.filter((e) => !ignorable(e))).toEqual([]);
  });
});
