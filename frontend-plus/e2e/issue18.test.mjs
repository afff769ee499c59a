// Issue 18 in PLUS Web: the links list shows where each link went and who sent it, and an out-of-date link as
// such; staff book, change and clear a vehicle's next service appointment in the location's time zone; and focus
// never falls to the page body after Add New Invoice, a declined Take Payment or its Cancel (WCAG 2.4.3).
// At 1280×800, and 360×640 where the screen is used on phones.
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
const DANA_F150 = '00000000-0000-4000-8000-000000000202';
const DANA_VISA = '00000000-0000-4000-8000-000000000301';
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 360, height: 640 } };

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

/** A full-page screenshot, after checking nothing sticks out sideways. */
async function shot(page, name) {
  const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-scroll'))
      .slice(0, 3)
      .map((e) => `${e.tagName}.${e.className} in ${e.parentElement?.tagName}.${e.parentElement?.className} ${getComputedStyle(e.parentElement).overflowX}`),
  }));
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  assert.ok(scrollWidth <= innerWidth, `${name}: the page is ${scrollWidth}px wide in a ${innerWidth}px window (${wide.join(', ')})`);
}

async function signedInDana(t, size = 'desktop', who = 'agent') {
  const context = await browser.newContext({ viewport: SIZES[size] });
  t.after(() => context.close());
  const page = await context.newPage();
  await page.goto(`${api.baseUrl}/plus/`);
  await page.getByLabel('Email').fill(`${who}@example.com`);
  await page.getByLabel('Password').fill(`${who}-demo-1`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Find a client' }).waitFor();
  await page.getByLabel('Name or phone').fill('Whitfield');
  await page.getByRole('link', { name: 'Dana Whitfield' }).click();
  await page.getByRole('heading', { name: 'Dana Whitfield', level: 1 }).waitFor();
  return page;
}

/** What has the focus: its id, its test id, and whether it is the page body. */
const focused = (page) =>
  page.evaluate(() => ({
    id: document.activeElement?.id ?? '',
    testId: document.activeElement?.getAttribute('data-testid') ?? '',
    text: document.activeElement?.textContent ?? '',
    body: document.activeElement === document.body || document.activeElement === null,
  }));

async function apiLogin(who, email, password) {
  const response = await fetch(`${api.baseUrl}/api/v1/auth/${who}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return (await response.json()).access_token;
}

async function apiPost(token, route, body) {
  const response = await fetch(`${api.baseUrl}/api/v1${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${route} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** `days` days after today, as `YYYY-MM-DD` (far from any time zone edge). */
function daysAhead(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

for (const size of ['desktop', 'phone']) {
  test(`staff book, change and clear the Camry's next appointment in Austin's time zone (${size})`, async (t) => {
    const page = await signedInDana(t, size);
    const section = page.getByRole('region', { name: 'Service appointments' });
    const camry = section.locator('li', { hasText: '2019 Toyota Camry' });
    await camry.getByTestId('next-appointment').waitFor();
    const change = camry.getByRole('button', { name: /^(Change|Book) the next appointment of the 2019 Toyota Camry$/ });

    // Cancel goes back to the button that opened the form.
    await change.click();
    await eventually(async () => (await focused(page)).id.startsWith('appointment-date-'));
    await camry.getByRole('button', { name: 'Cancel' }).click();
    await eventually(async () => (await focused(page)).id.startsWith('appointment-edit-'));

    // A day in the past: the API's refusal, in words, and the form keeps what was typed.
    await change.click();
    const date = camry.getByLabel('Date');
    await date.fill('2020-01-15');
    await camry.getByLabel(/^Time/).fill('09:00');
    await camry.getByRole('button', { name: 'Save appointment' }).click();
    await camry.getByRole('alert').getByText(/Some details are not valid/).waitFor();
    assert.equal(await date.inputValue(), '2020-01-15');
    assert.equal((await focused(page)).body, false, 'focus stays in the form');

    // A real booking: shown back on Austin's clock, whatever the browser's zone.
    const day = daysAhead(20);
    await date.fill(day);
    await camry.getByLabel(/^Time/).fill('14:30');
    await camry.getByLabel('Service location').fill('Austin North Service Center');
    await camry.getByRole('button', { name: 'Save appointment' }).click();
    const words = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
    const expected = `${words}, 2:30 PM CST at Austin North Service Center`;
    await camry.getByTestId('next-appointment').getByText(expected).waitFor();
    await eventually(async () => (await focused(page)).text.includes(`Next appointment of the 2019 Toyota Camry: ${expected}.`));
    await shot(page, `40-appointment-booked-${size}`);

    // Cleared: said, focused, and gone from the vehicle.
    await camry.getByRole('button', { name: 'Clear the next appointment of the 2019 Toyota Camry' }).click();
    await camry.getByTestId('next-appointment').getByText('No appointment booked').waitFor();
    await eventually(async () => (await focused(page)).text.includes('was cleared'));
  });
}

test('the links list shows the number each link went to, who sent it, and a link gone out of date (360 px)', async (t) => {
  const page = await signedInDana(t, 'phone');
  await page.getByRole('button', { name: 'Send Secure Payment Link' }).click();
  await page.getByRole('button', { name: 'Get Summary' }).click();
  await page.getByText(/^Invoice Summary/).waitFor();
  await page.getByLabel('Phone number to text').fill('737-555-0199');
  await page.getByRole('button', { name: 'Send Message' }).click();
  await page.locator('#link-sent').waitFor();
  const row = page.locator('table.links tbody tr').first();
  await row.getByTestId('link-phone').getByText('(737) 555-0199', { exact: false }).waitFor();
  assert.equal(await row.getByTestId('link-phone').innerText(), '(737) 555-0199 (another payer)');
  assert.equal(await row.getByTestId('link-sender').innerText(), 'Alex Agent');

  // The past due this link carries is paid another way: the list says the link is out of date.
  const staff = await apiLogin('staff', 'agent@example.com', 'agent-demo-1');
  await apiPost(staff, `/clients/${DANA}/payments`, { vehicle_id: DANA_F150, monitor_days: 14, card_id: DANA_VISA });
  await row.getByTestId('link-status').getByText('Out of date').waitFor({ timeout: 15_000 });
  assert.match(await row.innerText(), /paid another way/);
  await shot(page, '41-links-out-of-date-phone');
});

test('focus goes to the outcome after Add New Invoice, a declined Take Payment, and back to Take Payment after Cancel', async (t) => {
  // Dana keeps a card the bank will decline (the insufficient-funds test card saves, then fails its charges).
  const client = await apiLogin('client', 'client@example.com', 'client-demo-1');
  const tokenized = await fetch(`${api.baseUrl}/api/v1/sandbox/tokenize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number: '4000000000009995', exp_month: 12, exp_year: 2030, cvc: '123' }),
  });
  await apiPost(client, '/me/cards', { payment_token: (await tokenized.json()).payment_token });

  const page = await signedInDana(t, 'desktop', 'supervisor');
  await page.getByRole('tab', { name: 'Account History' }).click();
  await page.getByRole('heading', { name: 'Take Payment' }).waitFor();

  // Add New Invoice: the sentence saying it was added takes the focus.
  await page.getByRole('button', { name: 'Add New Invoice' }).click();
  await page.getByTestId('add-invoice-outcome').getByText(/^Invoice #\d+ for \$[\d,.]+ added\.$/).waitFor();
  await eventually(async () => (await focused(page)).testId === 'add-invoice-outcome');

  // Take Payment's Cancel: back to Take Payment.
  await page.getByLabel('Card on file').selectOption({ label: 'Visa •••• 9995 (exp 12/2030)' });
  await page.getByRole('button', { name: 'Take Payment' }).click();
  await page.getByRole('button', { name: /^Confirm payment of \$/ }).waitFor();
  await eventually(async () => /^Confirm payment/.test((await focused(page)).text));
  await page.getByRole('button', { name: 'Cancel' }).click();
  await eventually(async () => (await focused(page)).text === 'Take Payment');

  // A declined card: the refusal is announced and focused, not the page body.
  await page.getByRole('button', { name: 'Take Payment' }).click();
  await page.getByRole('button', { name: /^Confirm payment of \$/ }).click();
  const refusal = page.getByTestId('take-payment-refusal');
  await refusal.getByRole('alert').waitFor();
  assert.match(await refusal.innerText(), /funds|declined/i);
  await eventually(async () => (await focused(page)).testId === 'take-payment-refusal');
  await shot(page, '42-take-payment-declined-focus');
});
