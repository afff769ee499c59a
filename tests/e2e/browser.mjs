// What both SPAs' browser tests check pages with, written once (issue 16: no copy between the two apps).
import assert from 'node:assert/strict';
import { eventually } from './api-server.mjs';

/** WCAG's contrast ratio of two `rgb(…)` colours (1.4.3, 1.4.11). */
export function contrast(a, b) {
  const lum = (rgb) => {
    const [r, g, bl] = rgb.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * A browser that refuses site storage (Chromium's "don't allow sites to save data"): `sessionStorage` and
 * `localStorage` throw `SecurityError` on every access. Runs in the page: `context.addInitScript(denySiteStorage)`.
 */
export function denySiteStorage() {
  for (const name of ['sessionStorage', 'localStorage']) {
    Object.defineProperty(window, name, {
      configurable: true,
      get() {
        throw new DOMException(`Access to '${name}' is denied for this document.`, 'SecurityError');
      },
    });
  }
}

/** The WCAG text-spacing bookmarklet's CSS (Steve Faulkner's, as used to test 1.4.12). */
export const TEXT_SPACING = `* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }`;

/**
 * With `TEXT_SPACING` applied (the context needs `bypassCSP`, as the bookmarklet does), the page and its header
 * (`.topbar`) fit `width` pixels and `button` is wholly on screen (WCAG 1.4.10, 1.4.12).
 */
export async function assertHeaderFitsWithTextSpacing(page, button, width) {
  await page.addStyleTag({ content: TEXT_SPACING });
  const sizes = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    header: document.querySelector('.topbar')?.scrollWidth ?? 0,
  }));
  assert.ok(sizes.page <= width && sizes.header <= width, JSON.stringify(sizes));
  const box = await button.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= width, JSON.stringify(box));
}

/**
 * The kit's session warning (`frontend-kit/src/SessionWarning.tsx`, WCAG 2.2.1) on a signed-in `page` whose clock
 * is installed: hidden at first, shown 2 minutes before the end (then `whileShown(warning)` runs), "Stay signed in"
 * refreshes the session, and an hour later with no activity the sign-in page says the session expired.
 */
export async function checkSessionWarning(page, whileShown = async () => {}) {
  const warning = page.locator('.session-warning');
  assert.equal(await warning.isHidden(), true);
  await page.clock.fastForward('58:10');
  await eventually(async () => /you will be signed out in 1:\d\d/.test(await warning.innerText()));
  await whileShown(warning);
  const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
  await warning.getByRole('button', { name: 'Stay signed in' }).click();
  assert.equal((await refreshed).status(), 200);
  await page.clock.fastForward('01:02:00');
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal(await page.getByRole('status').innerText(), 'Your session has expired. Please sign in again.');
}
