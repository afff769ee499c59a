// Issue 18, sentence 1: a signed-in client texts a secure payment link to whoever pays for them, from the
// Payment page at 360 px, and sees the link they sent with its status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, launch, phonePage, shot, signInAsDana, startApi } from './helpers.mjs';

let api;
let browser;
before(async () => {
  api = await startApi();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await api?.stop();
});

test('Dana sends a payment link to her payer and sees it listed with its status (360 px)', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  const section = page.getByRole('region', { name: 'Send a payment link' });
  await section.getByText(/^Amount: \$\d/).waitFor();
  const sentBefore = api.smsTokens().length;
  await section.getByLabel('Their mobile number').fill('(512) 555-0199');
  await section.getByRole('button', { name: 'Send' }).click();
  await section.getByRole('status').getByText(/^Payment link for \$[\d.,]+ sent to \(•••\) •••-0199\./).waitFor();
  await eventually(() => api.smsTokens().length > sentBefore);
  const token = api.lastSmsToken();
  const list = section.getByRole('list', { name: 'Payment links you sent' });
  await list.getByText(/•••-0199/).waitFor();
  assert.match(await list.innerText(), /Sent|Delivered/);
  assert.ok(!(await page.content()).includes(token), 'the token is not on the page');
  await shot(page, '40-account-send-payment-link');
});
