// Issue 18, the pay page's brand and its first paint, at 360×640: the company's name, or its logo when
// COMPANY_LOGO_URL is set (alt text = the name, a fixed 160×40 box); and nothing under the payer moves when
// `/config` answers late (the card fields used to appear above a terms checkbox that could already be ticked).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cspViolations, holdRequests, launch, phonePage, sendLink, shot, startApi } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Sums the page's layout shifts (PerformanceObserver), the ones that count against it (not right after input). */
function recordLayoutShifts() {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) {
        window.__shifts.push({
          value: entry.value,
          moved: entry.sources.map((s) => s.node?.nodeName ?? '?').join(', '),
        });
      }
    }
  }).observe({ type: 'layout-shift', buffered: true });
}
const shifts = (page) => page.evaluate(() => window.__shifts);

/** Where the payer sees what they may touch before the card fields are ready (in the window, and the scroll). */
const boxes = (page) =>
  page.evaluate(() => ({
    scrollY: window.scrollY,
    ...Object.fromEntries(
      ['#accept-terms', 'h1', 'button[type="submit"]', '.pay-brand'].map((selector) => {
        const r = document.querySelector(selector).getBoundingClientRect();
        return [selector, { x: r.x, y: Math.round(r.y), width: r.width, height: r.height }];
      }),
    ),
  }));

for (const [label, env] of [
  ['the company name', {}],
  ['a configured logo', { COMPANY_LOGO_URL: '/my-account/favicon.svg', COMPANY_NAME: 'Lone Star Monitoring' }],
]) {
  describe(`the pay page with ${label}`, () => {
    let api;
    before(async () => {
      api = await startApi({ env });
    });
    after(async () => {
      await api?.stop();
    });

    test('nothing moves under the payer when /config answers after they ticked the terms', async () => {
      const page = await phonePage(browser);
      await page.addInitScript(recordLayoutShifts);
      const releaseConfig = await holdRequests(page, '**/api/v1/config');
      const token = await sendLink(api);
      await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
      await page.getByText('Total Due Amount').waitFor();
      // The payer ticks the terms while the card fields still wait for /config.
      const terms = page.getByRole('checkbox', { name: /I accept the terms/ });
      await terms.check();
      const waitingFields = await page.locator('.card-fields:disabled').getByLabel('Card number').count();
      const before = await boxes(page);
      const shiftsBefore = await shifts(page);

      releaseConfig();
      await page.getByLabel('Card number').and(page.locator(':enabled')).waitFor();
      if (env.COMPANY_LOGO_URL) {
        await page.getByRole('img', { name: env.COMPANY_NAME }).waitFor();
        await page.waitForFunction(() => document.querySelector('.pay-brand img')?.complete);
      } else {
        await page.locator('.pay-brand', { hasText: 'Monitoring Services' }).waitFor();
      }
      // Two frames, so that a shift of the last render is reported.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

      assert.deepEqual(await boxes(page), before, 'the terms checkbox, heading, pay button and header stay put');
      const after = await shifts(page);
      assert.deepEqual(after.slice(shiftsBefore.length), [], 'no layout shift once /config answered');
      assert.equal(await terms.isChecked(), true, 'the tick is kept');
      assert.equal(waitingFields, 1, 'the card fields were there, disabled, before /config answered');
      await shot(page, `18-brand-${env.COMPANY_LOGO_URL ? 'logo' : 'name'}-360`);
      await page.context().close();
    });

    test('the header shows the brand within 360 px and loads it under the page policy', async () => {
      const page = await phonePage(browser);
      const token = await sendLink(api);
      const violationsBefore = cspViolations.length;
      await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
      await page.getByText('Total Due Amount').waitFor();
      const brand = page.locator('.pay-brand');
      if (env.COMPANY_LOGO_URL) {
        const logo = brand.getByRole('img', { name: env.COMPANY_NAME });
        await logo.waitFor();
        await page.waitForFunction(() => document.querySelector('.pay-brand img')?.naturalWidth > 0);
        const box = await logo.boundingBox();
        assert.deepEqual([box.width, box.height], [160, 40], 'a fixed box, whatever the image');
        assert.equal(await brand.textContent(), '', 'the logo stands for the name (its alt text), not beside it');
        await page.waitForFunction((name) => document.title.endsWith(name), env.COMPANY_NAME);
      } else {
        await brand.getByText('Monitoring Services', { exact: true }).waitFor();
        assert.equal(await brand.getByRole('img').count(), 0);
      }
      assert.equal((await brand.boundingBox()).height, 40, 'the header line is as high with or without a logo');
      assert.deepEqual(cspViolations.slice(violationsBefore), []);
      await shot(page, `18-brand-header-${env.COMPANY_LOGO_URL ? 'logo' : 'name'}-360`);
      await page.context().close();
    });
  });
}
