// Target size (WCAG 2.2 SC 2.5.8, Target Size (Minimum)): every checkbox and radio button of PLUS Web (the "/"
// shortcut setting in the header, the monitor days of a link or a payment, the scopes of a new API key, the events of a
// new webhook endpoint) is a box of at least 24×24 CSS px, at 1280×800 and on a phone (390×844), and its label's words
// toggle it too. They were the browser's 13 px squares (radio buttons 16.5 px).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, eventually, startApi } from '../../tests/e2e/api-server.mjs';

const SIZES = [
  ['1280×800', { viewport: { width: 1280, height: 800 } }],
  ['390×844', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
];

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

/** Each visible checkbox or radio button of the page smaller than 24×24 px, as `<its label>: <width>×<height>`, and how
 * many were seen. */
function smallChoices(page) {
  return page.locator('input[type=checkbox], input[type=radio]').evaluateAll((boxes) => {
    const visible = boxes.filter((box) => box.checkVisibility());
    const small = visible.flatMap((box) => {
      const { width, height } = box.getBoundingClientRect();
      const name = box.labels?.[0]?.textContent.trim() ?? box.name;
      return width >= 24 && height >= 24 ? [] : [`${name}: ${Math.round(width * 10) / 10}×${Math.round(height * 10) / 10}`];
    });
    return { seen: visible.length, small };
  });
}

for (const [size, options] of SIZES) {
  test(`at ${size} every checkbox and radio button is at least 24×24 px and its label's words toggle it`, async (t) => {
    const context = await browser.newContext(options);
    t.after(() => context.close());
    const page = await context.newPage();
    await page.goto(`${api.baseUrl}/plus/`);
    await page.getByLabel('Email').fill('admin@example.com');
    await page.getByLabel('Password').fill('admin-demo-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Find a client' }).waitFor();

    const found = [];
    let seen = 0;
    const check = async (where) => {
      const result = await smallChoices(page);
      seen += result.seen;
      for (const problem of result.small) found.push(`${where}: ${problem}`);
    };
    await check('client search');
    await page.getByLabel('Name or phone').fill('Dana');
    await page.getByRole('link', { name: 'Dana Whitfield' }).click();
    await page.getByRole('button', { name: 'Send Secure Payment Link' }).click();
    const thirtyDays = page.getByRole('radio', { name: '30 days' });
    await thirtyDays.waitFor();
    await check('client page');
    // A radio button's words choose it.
    const fourteenDays = page.getByRole('radio', { name: '14 days' });
    const other = (await fourteenDays.isChecked()) ? thirtyDays : fourteenDays;
    await page.locator('label.radio').filter({ has: other }).getByText(/days/).click();
    await eventually(() => other.isChecked());
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('checkbox', { name: /clients:read/ }).waitFor();
    await check('API keys');
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('checkbox', { name: /link\.sent/ }).waitFor();
    await check('webhooks');
    assert.deepEqual(found, []);
    assert.ok(seen >= 5, `only ${seen} checkboxes and radio buttons were seen`);

    // The label is part of the target: a click on its words (not on the box) toggles the box.
    const event = page.getByRole('checkbox', { name: /link\.sent/ });
    assert.equal(await event.isChecked(), false);
    await page.locator('label.check').filter({ has: event }).locator('code').click();
    await eventually(() => event.isChecked());
    const shortcut = page.getByRole('checkbox', { name: '"/" shortcut' });
    const was = await shortcut.isChecked();
    await page.locator('label.shortcut-setting').getByText('shortcut').click();
    await eventually(async () => (await shortcut.isChecked()) !== was);
  });
}
