// Issue 18, accessibility (WCAG 2.2 AA) in PLUS Web at desktop size: titles and focus after signing in and
// opening a client (2.4.2, 2.4.3), a 3:1 focus ring (1.4.11, 2.4.7), the "/" shortcut that can be turned off and
// never drops a half-filled form (2.1.4), the send form (summary refreshed, focus, the disabled button's hint),
// sessions that warn and extend (2.2.1), and the header at 320 px with the WCAG text-spacing CSS (1.4.10, 1.4.12).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, eventually, startApi, titleIs } from '../../tests/e2e/api-server.mjs';
import { assertHeaderFitsWithTextSpacing, checkSessionWarning, contrast } from '../../tests/e2e/browser.mjs';

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/artifacts/plus');
mkdirSync(artifacts, { recursive: true });
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

let api;
let browser;
before(async () => {
  api = await startApi();
  browser = await chromium.launch(chromiumLaunchOptions);
});
after(async () => {
  await browser?.close();
  await api?.stop();
});

async function signIn(t, { clock = false, bypassCSP = false } = {}) {
  // bypassCSP: only to inject the text-spacing bookmarklet's stylesheet, as the bookmarklet itself does.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP });
  t.after(() => context.close());
  const page = await context.newPage();
  if (clock) await page.clock.install();
  await page.goto(`${api.baseUrl}/plus/`);
  await titleIs(page, 'Sign in – PLUS Web');
  await page.getByLabel('Email').fill('agent@example.com');
  await page.getByLabel('Password').fill('agent-demo-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Find a client' }).waitFor();
  return page;
}

const activeId = (page) => page.evaluate(() => document.activeElement?.id ?? '');

async function openDana(page) {
  await page.getByLabel('Name or phone').fill('Dana');
  await page.getByRole('link', { name: 'Dana Whitfield' }).click();
  await page.getByRole('heading', { name: 'Dana Whitfield', level: 1 }).waitFor();
}

test('signing in focuses the search field, opening a client focuses their name, and titles follow', async (t) => {
  const page = await signIn(t);
  await eventually(async () => (await activeId(page)) === 'q');
  await titleIs(page, 'Find a client – PLUS Web');
  await openDana(page);
  await eventually(async () => (await activeId(page)) === 'client-name');
  await titleIs(page, 'Dana Whitfield – Secure Payment Link – PLUS Web');
  await page.getByRole('tab', { name: 'Client Log' }).click();
  await titleIs(page, 'Dana Whitfield – Client Log – PLUS Web');
  // The focus ring: 3:1 at least on white (the page's cards), and white on the dark header.
  await page.getByRole('tab', { name: 'Account History' }).focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowRight');
  const ring = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return { color: style.outlineColor, style: style.outlineStyle, width: style.outlineWidth };
  });
  assert.equal(ring.style, 'solid', JSON.stringify(ring));
  assert.ok(contrast(ring.color, 'rgb(255, 255, 255)') >= 3, JSON.stringify(ring));
  await page.getByRole('button', { name: 'Log out' }).focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const headerRing = await page.evaluate(() => getComputedStyle(document.activeElement).outlineColor);
  assert.equal(headerRing, 'rgb(255, 255, 255)');
});

test('the send form refreshes its summary, moves focus to it and to the sent message, and says why Send is off', async (t) => {
  const page = await signIn(t);
  await openDana(page);
  await page.getByRole('button', { name: 'Send Secure Payment Link' }).click();
  const send = page.getByRole('button', { name: 'Send Message' });
  assert.equal(await send.isDisabled(), true);
  assert.equal(await page.locator('#send-hint').innerText(), 'Send Message is off until you get the summary.');
  assert.equal(await send.getAttribute('aria-describedby'), 'send-hint');
  await page.getByRole('button', { name: 'Get Summary' }).click();
  await eventually(async () => (await activeId(page)) === 'link-summary');
  const caption = page.locator('#link-summary caption');
  const first = await caption.innerText();
  await page.getByRole('radio', { name: first.includes('30 days') ? '14 days' : '30 days' }).check();
  await eventually(async () => (await caption.count()) === 1 && (await caption.innerText()) !== first);
  // Phone and Send Message on one line.
  const phoneBox = await page.getByLabel('Phone number to text').boundingBox();
  const sendBox = await send.boundingBox();
  assert.ok(Math.abs(phoneBox.y + phoneBox.height - (sendBox.y + sendBox.height)) < 8, 'on one line');
  await page.getByLabel('Phone number to text').fill('');
  // The hint follows the field on its next render.
  const noPhone = 'Send Message is off: enter the phone number to text.';
  await eventually(async () => (await page.locator('#send-hint').innerText()) === noPhone);
  await page.getByLabel('Phone number to text').fill('(512) 555-0143');
  await send.click();
  await eventually(async () => (await activeId(page)) === 'link-sent');
  await shot(page, '50-send-form-focus');
});

test('"/" asks before leaving a half-filled form, and can be turned off for good', async (t) => {
  const page = await signIn(t);
  await openDana(page);
  await page.getByRole('button', { name: 'Send Secure Payment Link' }).click();
  await page.getByLabel('Phone number to text').fill('(737) 555-01');
  await page.getByRole('heading', { name: 'Dana Whitfield', level: 1 }).click();
  await page.keyboard.press('/');
  const ask = page.getByRole('alertdialog', { name: 'Leave this page?' });
  await ask.waitFor();
  assert.equal(await activeId(page), 'leave-stay'); // focused in the render that shows the dialog
  await ask.getByRole('button', { name: 'Stay on this page' }).click();
  assert.equal(await page.getByLabel('Phone number to text').inputValue(), '(737) 555-01');
  await page.getByLabel('"/" shortcut').uncheck();
  await page.getByRole('heading', { name: 'Dana Whitfield', level: 1 }).click();
  await page.keyboard.press('/');
  assert.equal(await ask.count(), 0);
  assert.match(page.url(), /\/plus\/clients\//);
  await page.reload();
  // A reload keeps the choice (and this tab's session).
  await page.getByRole('heading', { name: 'Dana Whitfield', level: 1 }).waitFor();
  assert.equal(await page.getByLabel('"/" shortcut').isChecked(), false);
  await page.getByLabel('"/" shortcut').check();
  await page.getByRole('heading', { name: 'Dana Whitfield', level: 1 }).click();
  await page.keyboard.press('/');
  await page.getByRole('heading', { name: 'Find a client' }).waitFor();
});

test('a staff session warns two minutes before it ends, extends, and then says it ended', async (t) => {
  const page = await signIn(t, { clock: true });
  await checkSessionWarning(page);
});

test('at 320 px with the WCAG text-spacing CSS the header does not overflow and Log out is on screen', async (t) => {
  const page = await signIn(t, { bypassCSP: true });
  await page.setViewportSize({ width: 320, height: 568 });
  const logOut = page.getByRole('button', { name: 'Log out' });
  await assertHeaderFitsWithTextSpacing(page, logOut, 320);
  const colours = await logOut.evaluate((e) => ({ fg: getComputedStyle(e).color, bg: getComputedStyle(e).backgroundColor }));
  assert.ok(contrast(colours.fg, colours.bg) >= 4.5, JSON.stringify(colours));
  await shot(page, '51-header-320-text-spacing');
});
