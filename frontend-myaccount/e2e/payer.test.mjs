// Issue 18: a link texted to someone who pays for the client is worded for that payer, and a link whose amount
// no longer stands ends with its own pop-up instead of staying payable-looking (360 px and 1280 px).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DANA, DANA_CAR, desktopPage, eventually, launch, phonePage, shot, startApi, titleIs } from './helpers.mjs';

const F150 = '00000000-0000-4000-8000-000000000202';
const DANA_VISA = '00000000-0000-4000-8000-000000000301';
const PAYER_PHONE = '(737) 555-0199';

let api;
let browser;
let staff;
before(async () => {
  api = await startApi();
  browser = await launch();
  const login = await fetch(`${api.baseUrl}/api/v1/auth/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'agent@example.com', password: 'agent-demo-1' }),
  });
  staff = (await login.json()).access_token;
});
after(async () => {
  await browser?.close();
  await api?.stop();
});

/** POSTs as the agent with a fresh Idempotency-Key; fails unless the answer is 201. */
async function staffPost(path, body) {
  const response = await fetch(`${api.baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}`, 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

/** Sends a link for Dana's Camry to the payer's phone (not Dana's) and returns the token from the SMS. */
async function sendToPayer() {
  const before = api.smsTokens().length;
  await staffPost('/payment-links', { client_id: DANA, vehicle_id: DANA_CAR, monitor_days: 14, phone: PAYER_PHONE });
  await eventually(() => api.smsTokens().length > before);
  return api.lastSmsToken();
}

for (const [size, open] of [
  ['360', phonePage],
  ['1280', desktopPage],
]) {
  test(`a payer who is not the client reads "You're paying for Dana W.", not "Hi Dana" (${size} px)`, async () => {
    const token = await sendToPayer();
    const page = await open(browser);
    await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
    await page.getByText("You're paying for Dana W.", { exact: true }).waitFor();
    assert.equal(await page.getByText(/Hi Dana/).count(), 0);
    await page.getByText('Total Due Amount').waitFor();
    await shot(page, `40-pay-third-party-${size}`);
    await page.context().close();
  });
}

test('a link whose past due was paid another way ends as "Link Out of Date" and offers a new link (360 px)', async () => {
  const token = await sendToPayer();
  const page = await phonePage(browser);
  await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
  await page.getByText("You're paying for Dana W.", { exact: true }).waitFor();
  // Staff take a payment for the F-150, which collects the past due this link carries.
  await staffPost(`/clients/${DANA}/payments`, { vehicle_id: F150, monitor_days: 14, card_id: DANA_VISA });

  await page.reload();
  const dialog = page.getByRole('dialog', { name: 'Link Out of Date' });
  await dialog.waitFor();
  await dialog.getByText('Nothing was charged').waitFor();
  await dialog.getByRole('link', { name: '(800) 555-0100' }).waitFor();
  await titleIs(page, /^Link Out of Date/);
  assert.equal(await page.getByRole('button', { name: /^Make Payment/ }).count(), 0, 'nothing left to pay here');
  await eventually(() => page.evaluate(() => document.querySelector('dialog[open]')?.contains(document.activeElement) ?? false));
  await shot(page, '41-pay-link-out-of-date');

  const sent = api.smsTokens().length;
  await dialog.getByRole('button', { name: 'Text me a new link' }).click();
  await dialog.getByText(/We texted a new link to \(•••\) •••-0199/).waitFor();
  await eventually(() => api.smsTokens().length > sent);
  const fresh = api.lastSmsToken();
  assert.notEqual(fresh, token);
  await page.context().close();
  // The new link, opened from the text like any other.
  const next = await phonePage(browser);
  await next.goto(`${api.baseUrl}/my-account/pay#${fresh}`);
  await next.getByText("You're paying for Dana W.", { exact: true }).waitFor();
  await next.getByText('Total Due Amount').waitFor();
  assert.equal(await next.getByText('$102.84').count(), 0, 'a fresh quote: the past due paid is not in it');
  assert.equal(await next.getByText('$155.88').count(), 0);
  await next.context().close();
});
