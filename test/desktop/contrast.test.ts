/**
 * Text contrast (WCAG 2.2 SC 1.4.3, at least 4.5:1) where issue 20 measured
 * it below: our own bubbles' timestamps (3.47:1), the green "online" (3.18:1)
 * and the dark theme's primary buttons (3.52:1); plus incoming timestamps,
 * in both themes; group members' name colours (the whole palette: at least
 * MEMBER_HUES_MIN colours, any two MEMBER_DELTA_E_MIN apart) on the incoming
 * bubble and on the page; and
 * a visible focus ring on the message log (SC 2.4.7),
 * which had `outline: none`. Colours are read from the rendered page
 * (getComputedStyle, semi-transparent text blended over what is behind it).
 */
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppPage, launchBrowser, openApp } from '../support/browser.ts';
import { ParleyWorld, printLogsOnFailure } from '../support/parley.ts';

const UI_TIMEOUT_MS = 20_000;
const AA_TEXT = 4.5;
/** Member colours told apart in a group of eight or so (apps/desktop/src/member-colours.ts). */
const MEMBER_HUES_MIN = 8;
/** How far apart any two member colours are, at least: CIELAB ΔE*76 (≈ 2.3 is just noticeable). */
const MEMBER_DELTA_E_MIN = 25;

/** CIE 1976 ΔE between two CSS rgb() colours (sRGB, D65). */
function deltaE(a: string, b: string): number {
  const lab = (css: string): number[] => {
    const [red = 0, green = 0, blue = 0] = (css.match(/[\d.]+/g) ?? []).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    const xyz = [
      (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047,
      0.2126 * red + 0.7152 * green + 0.0722 * blue,
      (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883,
    ];
    const [x = 0, y = 0, z = 0] = xyz.map((t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116));
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(...[0, 1, 2].map((i) => (p[i] ?? 0) - (q[i] ?? 0)));
}

/** The contrast ratio of an element's text against the first opaque background behind it. */
function contrastOf(element: Locator): Promise<number> {
  return element.evaluate((el) => {
    const parse = (c: string): number[] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m?.[1]) throw new Error(`unparsed colour ${c}`);
      const [r = 0, g = 0, b = 0, a = 1] = m[1]
        .split(/[ ,/]+/)
        .filter(Boolean)
        .map(Number);
      return [r, g, b, a];
    };
    let bg: number[] | null = null;
    for (let node: Element | null = el; node && !bg; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if ((c[3] ?? 0) >= 0.99) bg = c;
    }
    const back = bg ?? [255, 255, 255, 1];
    const fg = parse(getComputedStyle(el).color);
    const a = fg[3] ?? 1;
    const mixed = [0, 1, 2].map((i) => (fg[i] ?? 0) * a + (back[i] ?? 0) * (1 - a));
    const lum = (rgb: number[]) => {
      const [r = 0, g = 0, b = 0] = rgb.map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const [hi, lo] = [lum(mixed), lum(back)].sort((x, y) => y - x) as [number, number];
    return (hi + 0.05) / (lo + 0.05);
  });
}

/**
 * Every member colour the stylesheet defines (--member-0, --member-1, … until one is missing), as
 * text inside an incoming bubble and beside it on the page (where a sender's name sits).
 */
async function memberColourRatios(
  incoming: Locator,
): Promise<Array<{ name: string; colour: string; onBubble: number; onPage: number }>> {
  const count = await incoming.evaluate((el) => {
    const style = getComputedStyle(el);
    let n = 0;
    while (style.getPropertyValue(`--member-${n}`).trim()) n++;
    return n;
  });
  const out: Array<{ name: string; colour: string; onBubble: number; onPage: number }> = [];
  for (let i = 0; i < count; i++) {
    const probes = await incoming.evaluate((article, n) => {
      const make = (parent: Element, where: string) => {
        const span = document.createElement('span');
        span.textContent = 'Member';
        span.dataset.probe = where;
        span.style.color = `var(--member-${n})`;
        parent.append(span);
        return getComputedStyle(span).color;
      };
      const bubble = article.querySelector('.bubble');
      if (!bubble) throw new Error('no bubble');
      make(article, 'page');
      return make(bubble, 'bubble');
    }, i);
    out.push({
      name: `--member-${i}`,
      colour: probes,
      onBubble: await contrastOf(incoming.locator('[data-probe="bubble"]')),
      onPage: await contrastOf(incoming.locator('[data-probe="page"]')),
    });
    await incoming.evaluate((el) => {
      for (const probe of Array.from(el.querySelectorAll('[data-probe]'))) probe.remove();
    });
  }
  return out;
}

describe('Parley Desktop: contrast and focus', { timeout: 90_000 }, () => {
  const world = new ParleyWorld();
  printLogsOnFailure(world);
  let browser: Browser;
  let aliceHome: string;
  const windows: AppPage[] = [];

  beforeAll(async () => {
    aliceHome = world.account('Alice');
    const bobHome = world.account('Bob');
    [, , browser] = await Promise.all([world.daemon(aliceHome), world.daemon(bobHome), launchBrowser()]);
    await world.befriend(aliceHome, 'Alice', bobHome, 'Bob');
    await world.rpc(aliceHome, 'messages.send', { contact: 'Bob', text: 'Mine, with a timestamp' });
    await world.rpc(bobHome, 'messages.send', { contact: 'Alice', text: 'Theirs, with a timestamp' });
  });

  afterAll(async () => {
    await browser?.close();
    await world.cleanup();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`keeps timestamps, "online", primary buttons and member names at ≥ 4.5:1 (${scheme})`, async () => {
      const app = await openApp(browser, aliceHome, { colorScheme: scheme });
      windows.push(app);
      const { page } = app;
      await page.getByRole('button', { name: 'Bob' }).click();
      const log = page.getByRole('log', { name: 'Messages' });
      const mine = log.getByRole('article').filter({ hasText: 'Mine, with a timestamp' });
      const theirs = log.getByRole('article').filter({ hasText: 'Theirs, with a timestamp' });
      await theirs.waitFor({ timeout: UI_TIMEOUT_MS });
      const online = page.locator('.conversation-header .presence-text').filter({ hasText: /^online$/ });
      await online.waitFor({ timeout: UI_TIMEOUT_MS });
      const ratios = {
        ownTime: await contrastOf(mine.locator('time')),
        theirTime: await contrastOf(theirs.locator('time')),
        online: await contrastOf(online),
      };
      const members = await memberColourRatios(theirs);
      expect(new Set(members.map((m) => m.colour)).size).toBeGreaterThanOrEqual(MEMBER_HUES_MIN);
      const alike = members.flatMap((m, i) =>
        members
          .slice(i + 1)
          .filter((n) => deltaE(m.colour, n.colour) < MEMBER_DELTA_E_MIN)
          .map((n) => `${m.name} ${n.name} ΔE ${deltaE(m.colour, n.colour).toFixed(1)}`),
      );
      expect(alike).toEqual([]);
      await page.getByRole('button', { name: 'Contact info' }).click();
      const verify = page
        .getByRole('dialog', { name: 'About Bob' })
        .getByRole('button', { name: 'Mark as verified' });
      await expect.poll(() => verify.isEnabled(), { timeout: UI_TIMEOUT_MS }).toBe(true);
      const primary = await contrastOf(verify);
      await page.keyboard.press('Escape');
      const memberRatios = Object.fromEntries(
        members.flatMap((m) => [
          [`${m.name} on the bubble`, m.onBubble],
          [`${m.name} on the page`, m.onPage],
        ]),
      );
      const low = Object.entries({ ...ratios, primary, ...memberRatios })
        .filter(([, ratio]) => ratio < AA_TEXT)
        .map(([what, ratio]) => `${what} ${ratio.toFixed(2)}:1`);
      expect(low).toEqual([]);
    });
  }

  it('draws a visible focus ring on the message log', async () => {
    const { page } = windows[0] as AppPage;
    const log = page.getByRole('log', { name: 'Messages' });
    await page.getByRole('button', { name: 'Contact info' }).focus();
    await page.keyboard.press('Tab');
    expect(await log.evaluate((el) => el === document.activeElement)).toBe(true);
    const ring = await log.evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth) };
    });
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
  });
});
