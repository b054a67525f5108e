/**
 * Emoji in Parley Desktop render in colour next to text (issue 20): the
 * font stack puts a colour emoji face first, limited by `unicode-range` to
 * emoji, so ☕ and 😅 (which text fonts such as DejaVu Sans also draw, in
 * black and white) come from the colour emoji font while digits, # and *
 * (which are emoji code points too, as keycap bases) stay in the text font.
 * Which font drew each glyph is asked from Chromium (CSS.getPlatformFontsForNode).
 * Needs a colour emoji font on the machine (Debian: fonts-noto-color-emoji,
 * installed by scripts/system-deps.mjs); skipped, saying so, without one.
 */
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const EMOJI_FONT = 'Noto Color Emoji';

function hasEmojiFont(): boolean {
  try {
    return execFileSync('fc-list', [':', 'family'], { encoding: 'utf8' }).includes(EMOJI_FONT);
  } catch {
    return false;
  }
}

/** The fonts Chromium used to draw the text of a probe element appended to the page, with glyph counts. */
async function fontsFor(page: Page, text: string): Promise<Record<string, number>> {
  const id = `probe-${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    ([i, t]) => {
      const p = document.createElement('p');
      p.id = i as string;
      p.textContent = t as string;
      document.body.append(p);
    },
    [id, text],
  );
  await page.evaluate(() => document.fonts.ready);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: `#${id}` });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return Object.fromEntries(fonts.map((f) => [f.familyName, f.glyphCount]));
}

const emojiFont = hasEmojiFont();
if (!emojiFont)
  console.warn(
    `emoji-font.test.ts skipped: no "${EMOJI_FONT}" here (Debian: apt-get install fonts-noto-color-emoji)`,
  );

describe.runIf(emojiFont)('Parley Desktop: emoji fonts', { timeout: 60_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let home: string;

  beforeAll(async () => {
    home = world.account('Alice');
    const [, br] = await Promise.all([world.daemon(home), launchBrowser()]);
    browser = br;
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  it('draws ☕ and 😅 with the colour emoji font, next to ❤️, and digits, # and * with the text font', async () => {
    const { page } = await openApp(browser, home);
    await page.getByRole('button', { name: 'Add contact' }).waitFor();
    // Every emoji of a line of text in the colour font (the defect: ☕ drawn by DejaVu Sans).
    const mixed = await fontsFor(page, 'Coffee ☕😅 with love ❤️');
    expect(mixed[EMOJI_FONT], JSON.stringify(mixed)).toBeGreaterThanOrEqual(3);
    // Emoji alone: nothing drawn by a text font.
    const alone = await fontsFor(page, '☕😅❤️');
    expect(Object.keys(alone), JSON.stringify(alone)).toEqual([EMOJI_FONT]);
    // A ZWJ sequence stays one glyph (the joiner is in the range: outside it, the sequence falls apart into 3 people).
    expect(await fontsFor(page, '👨‍👩‍👧')).toEqual({ [EMOJI_FONT]: 1 });
    // Keycap bases are not taken by the emoji font.
    const plain = await fontsFor(page, 'Table 12, #3 * 4');
    expect(plain[EMOJI_FONT], JSON.stringify(plain)).toBeUndefined();
    // The stack names the emoji face first, so it also wins over system-ui in form controls.
    const stack = await page.evaluate(() => getComputedStyle(document.documentElement).fontFamily);
    expect(stack.split(',')[0]).toMatch(/emoji/i);
  });
});
