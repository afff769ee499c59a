// Every PLUS Web table at 320 px (a phone held upright): no table pushes a column past the window's right edge
// where it cannot be reached. A table wider than the window scrolls sideways in its own box, which says so (a line
// above it and a shade on the hidden side), is a named region and scrolls by keyboard; the page itself never
// scrolls sideways. At 1280×800 the same tables fit and show none of this. Also the forms of the admin pages
// (API keys, webhook endpoints), whose fields and event list were wider than a phone. And every date and time
// (`Dec 1, 2026, 9:30 AM`) takes at most two lines, its date and then its time of day, at 320 px and at 1280 px: a
// table's columns shrink to their narrowest when space is short, which broke a timestamp onto four or five lines.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, eventually, startApi } from '../../tests/e2e/api-server.mjs';

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/artifacts/plus');
mkdirSync(artifacts, { recursive: true });

const DANA = '00000000-0000-4000-8000-000000000101';
const CAMRY = '00000000-0000-4000-8000-000000000201';
const DANA_F150 = '00000000-0000-4000-8000-000000000202';
const DANA_VISA = '00000000-0000-4000-8000-000000000301';
const NARROW = { viewport: { width: 320, height: 568 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

let api;
let browser;
let endpointId;
before(async () => {
  api = await startApi();
  browser = await chromium.launch(chromiumLaunchOptions);
  // What fills every table: a link sent, a payment taken, an API key and a webhook endpoint with a delivery.
  const agent = await login('agent');
  const admin = await login('admin');
  endpointId = (await post(admin, '/webhook-endpoints', { url: 'https://partner.example/hooks/payments-and-links', events: ['link.sent'] })).id;
  await post(admin, '/api-keys', { name: 'Scheduler', scopes: ['clients:read', 'quotes:read'] });
  await post(agent, '/payment-links', { client_id: DANA, vehicle_id: CAMRY, monitor_days: 14, phone: '5125550143' });
  await post(agent, `/clients/${DANA}/payments`, { vehicle_id: DANA_F150, monitor_days: 14, card_id: DANA_VISA });
});
after(async () => {
  await browser?.close();
  await api?.stop();
});

async function login(who) {
  const response = await fetch(`${api.baseUrl}/api/v1/auth/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `${who}@example.com`, password: `${who}-demo-1` }),
  });
  assert.equal(response.status, 200);
  return (await response.json()).access_token;
}

async function post(token, route, body) {
  const response = await fetch(`${api.baseUrl}/api/v1${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  assert.ok(response.status < 300, `${route} answered ${response.status}: ${await response.clone().text()}`);
  return response.json();
}

async function signedIn(t, options, who) {
  const context = await browser.newContext(options);
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`${api.baseUrl}/plus/`);
  await page.getByLabel('Email').fill(`${who}@example.com`);
  await page.getByLabel('Password').fill(`${who}-demo-1`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Find a client' }).waitFor();
  return page;
}

/**
 * What is wrong with the page's tables and layout at `width` px, in words (none: an empty list). Outside a table's
 * scroll box nothing may pass the right edge. A table wider than the window must sit in a box that ends inside
 * the window, is a named region with tabindex 0, shows its "Scroll sideways" line, and brings its last column into
 * view when scrolled to its end.
 */
function problemsAt(page, width) {
  return page.evaluate((width) => {
    const problems = [];
    if (document.documentElement.scrollWidth > width) problems.push(`the page is ${document.documentElement.scrollWidth}px wide`);
    const right = (element) => element.getBoundingClientRect().right;
    for (const element of document.querySelectorAll('body *')) {
      if (element.closest('.table-scroll, .sr-only') || element.getBoundingClientRect().width === 0) continue;
      const what = `${element.tagName.toLowerCase()}.${element.className}`;
      if (right(element) > width + 0.5) problems.push(`${what} ends at ${Math.round(right(element))}px`);
      // Its text (a long URL, say) running out of its box, which the box's own size does not show.
      else if (element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1 && getComputedStyle(element).overflowX === 'visible') {
        problems.push(`${what}: its content is ${element.scrollWidth}px wide in ${element.clientWidth}px`);
      }
    }
    for (const table of document.querySelectorAll('table')) {
      const name = table.className;
      const cells = [...table.querySelectorAll('th, td')].filter((cell) => cell.getBoundingClientRect().width > 0);
      if (!cells.some((cell) => right(cell) > width + 0.5)) continue;
      const box = table.closest('.table-scroll');
      if (!box) {
        problems.push(`${name}: columns past ${width}px and no scroll box`);
        continue;
      }
      if (right(box) > width + 0.5) problems.push(`${name}: its box ends at ${Math.round(right(box))}px`);
      if (box.getAttribute('role') !== 'region' || !box.getAttribute('aria-label')) problems.push(`${name}: its box is not a named region`);
      if (box.tabIndex !== 0) problems.push(`${name}: its box takes no keyboard focus`);
      const hint = box.closest('.table-frame')?.querySelector('.scroll-hint');
      if (!hint?.checkVisibility() || !/Scroll sideways/.test(hint.textContent)) problems.push(`${name}: nothing says it scrolls`);
      const start = box.scrollLeft;
      box.scrollLeft = box.scrollWidth;
      const unreachable = cells.filter((cell) => right(cell) > right(box) + 1).length;
      if (unreachable) problems.push(`${name}: ${unreachable} cells out of reach at the end of the scroll`);
      box.scrollLeft = start;
    }
    return problems;
  }, width);
}

/** The tables at desktop width: each fits, so none says it scrolls, none is a region or a tab stop. */
function desktopProblems(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('table')].flatMap((table) => {
      const box = table.closest('.table-scroll');
      const problems = [];
      if (!box) problems.push(`${table.className}: not in a TableScroll`);
      else {
        if (box.scrollWidth > box.clientWidth) problems.push(`${table.className}: scrolls at desktop width`);
        if (box.hasAttribute('role') || box.hasAttribute('tabindex')) problems.push(`${table.className}: a region or tab stop though it fits`);
      }
      if (table.closest('.table-frame')?.querySelector('.scroll-hint')) problems.push(`${table.className}: says it scrolls`);
      return problems;
    }).concat(document.documentElement.scrollWidth > window.innerWidth ? ['the page scrolls sideways'] : []));
}

/**
 * Each date and time (`Dec 1, 2026, 9:30 AM`, as the kit's formatDateTime writes it) that the page shows in a table
 * cell, a list item or a paragraph and that takes more than `most` lines, as `'<text>' on <n> lines`. Lines are
 * counted from the boxes of the timestamp's own characters, so a cell that is tall for another reason (a second
 * line of text, a button) does not count.
 */
function timestampsOnMoreLinesThan(page, most) {
  return page.evaluate((most) => {
    const STAMP = /[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M/g;
    const problems = [];
    for (const element of document.querySelectorAll('td, th, li, p, dd')) {
      if (element.closest('.sr-only') || element.getBoundingClientRect().width === 0) continue;
      // The element's characters, each with the text node it is in, so a timestamp split across nodes is one.
      const chars = [];
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let offset = 0; offset < node.data.length; offset++) chars.push({ node, offset, char: node.data[offset] });
      }
      const text = chars.map((c) => c.char).join('');
      for (const match of text.matchAll(STAMP)) {
        const tops = [];
        for (const { node, offset, char } of chars.slice(match.index, match.index + match[0].length)) {
          if (/\s/.test(char)) continue;
          const range = document.createRange();
          range.setStart(node, offset);
          range.setEnd(node, offset + 1);
          const rect = range.getClientRects()[0];
          if (rect && !tops.some((top) => Math.abs(top - rect.top) < 2)) tops.push(rect.top);
        }
        if (tops.length > most) problems.push(`'${match[0]}' on ${tops.length} lines`);
      }
    }
    return [...new Set(problems)];
  }, most);
}

/** Walks every PLUS page with a table, as `who`, calling `check(page, where)` on each. */
async function walk(page, check) {
  await page.getByLabel('Name or phone').fill('Whitfield');
  await page.locator('table.results').waitFor();
  await check('search results');
  await page.getByRole('link', { name: 'Dana Whitfield' }).click();
  await page.locator('table.links tbody tr').first().waitFor();
  await check('client page, payment links');
  await page.getByRole('button', { name: 'Send Secure Payment Link' }).click();
  await page.getByRole('button', { name: 'Get Summary' }).click();
  await page.locator('table.summary').waitFor();
  await check('client page, invoice summary');
  await page.getByRole('tab', { name: 'Account History' }).click();
  await page.locator('table.payments').waitFor();
  await page.locator('table.invoices').waitFor();
  await check('account history');
  await page.getByRole('tab', { name: 'Client Log' }).click();
  await page.locator('ol.log li').first().waitFor();
  await check('client log');
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.locator('table.api-keys').waitFor();
  await check('API keys');
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.locator('table.webhook-endpoints').waitFor();
  await check('webhook endpoints');
  await page.goto(`${api.baseUrl}/plus/webhooks/${endpointId}`);
  await page.locator('table.webhook-deliveries').waitFor();
  await check('webhook deliveries');
}

test('at 320 px every table’s cells can be reached and nothing else passes the right edge', async (t) => {
  const page = await signedIn(t, NARROW, 'admin');
  const found = [];
  await walk(page, async (where) => {
    // A TableScroll learns that its table overflows from a ResizeObserver, a frame or two after the rows appear.
    let problems = [];
    await eventually(async () => (problems = await problemsAt(page, 320)).length === 0, { timeoutMs: 3000 }).catch(() => {});
    for (const problem of problems) found.push(`${where}: ${problem}`);
  });
  assert.deepEqual(found, []);
});

test('at 320 px the payment links table scrolls by keyboard to its last column, the shade moving with it', async (t) => {
  const page = await signedIn(t, NARROW, 'supervisor');
  await page.getByLabel('Name or phone').fill('Whitfield');
  await page.getByRole('link', { name: 'Dana Whitfield' }).click();
  const box = page.getByRole('region', { name: 'Payment links table' });
  await box.locator('tbody tr').first().waitFor();
  await page.getByText('Scroll sideways for more columns').waitFor();
  await page.getByRole('heading', { name: 'Payment links' }).scrollIntoViewIfNeeded();
  await page.locator('.table-frame').filter({ has: box }).screenshot({ path: path.join(artifacts, '50-links-table-320.png') });
  const edges = page.locator('.table-edges').filter({ has: box });
  assert.equal(await edges.getAttribute('data-hidden-right'), 'true');
  assert.equal(await edges.getAttribute('data-hidden-left'), null);

  await box.focus();
  // Revoke: the last control of the last column.
  const revoke = box.getByRole('button', { name: /^Revoke the/ }).first();
  const inView = async () => {
    const [button, region] = [await revoke.boundingBox(), await box.boundingBox()];
    return button.x + button.width <= region.x + region.width + 1;
  };
  await eventually(async () => (await inView()) || (await page.keyboard.press('ArrowRight'), false));
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Payment links table');
  await eventually(async () => (await edges.getAttribute('data-hidden-left')) === 'true');
  await page.locator('.table-frame').filter({ has: box }).screenshot({ path: path.join(artifacts, '51-links-table-320-scrolled.png') });
});

test('at 320 px and at 1280×800 every date and time takes at most two lines', async (t) => {
  const found = [];
  for (const [options, width] of [[NARROW, 320], [DESKTOP, 1280]]) {
    const page = await signedIn(t, options, 'admin');
    await walk(page, async (where) => {
      for (const problem of await timestampsOnMoreLinesThan(page, 2)) found.push(`${width} px, ${where}: ${problem}`);
    });
  }
  assert.deepEqual(found, []);
});

test('at 1280×800 every table fits and shows no scroll line, region or tab stop', async (t) => {
  const page = await signedIn(t, DESKTOP, 'admin');
  const found = [];
  await walk(page, async (where) => {
    for (const problem of await desktopProblems(page)) found.push(`${where}: ${problem}`);
  });
  assert.deepEqual(found, []);
});
