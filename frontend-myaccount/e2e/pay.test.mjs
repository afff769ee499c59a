import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cspViolations, desktopPage, eventually, fillCard, holdRequests, launch, phonePage, sendLink, shot, startApi } from './helpers.mjs';

let api;
let browser;
before(async () => {
  api = await startApi();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await api?.stop();
  assert.deepEqual(cspViolations, []);
});

const openLink = async (token) => {
  const page = await phonePage(browser);
  await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
  return page;
};

for (const size of ['phone', 'desktop']) {
  test(`a link sent by staff is paid once, its receipt is in the pop-up and shown again on reload (${size})`, async () => {
    const token = await sendLink(api);
    const page = size === 'phone' ? await phonePage(browser) : await desktopPage(browser);
    await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
    await page.getByText('Total Due Amount').waitFor();
    assert.ok(!page.url().includes(token), 'the token is cleared from the address bar');
    await page.getByText('Hi Dana,').waitFor();
    await page.getByRole('timer').waitFor();
    const pay = page.getByRole('button', { name: 'Make Payment' });
    assert.equal(await pay.isDisabled(), true);
    if (size === 'phone') await shot(page, '01-pay-summary');

    await fillCard(page, '4242 4242 4242 4242');
    assert.equal(await pay.isDisabled(), true, 'terms not yet accepted');
    await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
    assert.equal(await pay.isDisabled(), false);
    if (size === 'phone') await shot(page, '02-pay-card-filled');
    await pay.click();

    const dialog = page.getByRole('dialog', { name: 'Payment Complete' });
    await dialog.waitFor();
    const complete = await dialog.innerText();
    assert.match(complete, /\$\d[\d,]*\.\d\d/);
    assert.match(complete, /Date\s+[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M C[SD]T/);
    assert.match(complete, /Card\s+Visa •••• 4242/);
    const number = /R-\d{4}-\d{6}/.exec(complete)?.[0];
    assert.ok(number, `a receipt number in ${complete}`);
    assert.match(complete, /Paid through\s+[A-Z][a-z]{2} \d{1,2}, \d{4}/);
    const view = dialog.getByRole('link', { name: 'View receipt' });
    assert.match(await view.getAttribute('href'), /^\/my-account\/receipt#[A-Za-z0-9_-]{43}$/, 'the reference rides in the fragment');
    await shot(page, `03-pay-complete-${size}`);

    // A reload finds the link paid and shows its receipt, not only "Already Paid".
    await page.reload();
    await page.getByText('This link has been paid. Here is your receipt.').waitFor();
    const receipt = page.getByRole('article');
    assert.match(await receipt.innerText(), new RegExp(`${number}[\\s\\S]*Total Paid[\\s\\S]*Monitoring paid through`));
    await shot(page, `04-pay-reloaded-receipt-${size}`);
  });
}

test('the pop-up\'s View receipt opens the printable receipt by its reference, kept out of the address bar', async () => {
  const token = await sendLink(api);
  const page = await openLink(token);
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4242 4242 4242 4242');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Make Payment' }).click();
  const dialog = page.getByRole('dialog', { name: 'Payment Complete' });
  await dialog.waitFor();
  const number = /R-\d{4}-\d{6}/.exec(await dialog.innerText())?.[0];
  const receiptRequests = [];
  page.on('request', (request) => {
    if (request.url().includes('/api/v1/receipt')) receiptRequests.push(request);
  });
  await dialog.getByRole('link', { name: 'View receipt' }).click();
  const receipt = page.getByRole('article');
  await receipt.waitFor();
  assert.match(await receipt.innerText(), new RegExp(number ?? 'no number'));
  assert.equal(new URL(page.url()).hash, '', 'the reference is cleared from the address bar');
  assert.equal(receiptRequests.length, 1);
  assert.equal(new URL(receiptRequests[0].url()).search, '', 'no query');
  assert.match(receiptRequests[0].headers()['receipt-reference'] ?? '', /^[A-Za-z0-9_-]{43}$/);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByRole('button', { name: 'Print receipt' }).isVisible(), false, 'the print stylesheet hides the button');
  await shot(page, '05b-receipt-page-print');
});

test('a declined card is explained and another card can be tried', async () => {
  const page = await openLink(await sendLink(api));
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4000000000000002');
  const terms = page.getByRole('checkbox', { name: /I accept the terms/ });
  await terms.check();
  await page.getByRole('button', { name: 'Make Payment' }).click();

  const alert = page.getByRole('alert');
  await alert.getByText('The card was declined. Nothing was charged.').waitFor();
  // Issue 18: a decline wiped all four fields and dropped focus. What may be kept stays, the security code
  // goes, the card number has the focus, and the alert (a live region) announces the decline.
  assert.equal(await page.getByLabel('Card number').inputValue(), '4000 0000 0000 0002');
  assert.equal(await page.getByLabel('Expiry (MM/YY)').inputValue(), '12/30');
  assert.equal(await page.getByLabel('Billing ZIP code').inputValue(), '78701');
  await eventually(async () => (await page.getByLabel('Security code').inputValue()) === '');
  await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('name') === 'cardnumber'));
  assert.equal(await alert.first().getAttribute('role'), 'alert');
  await eventually(async () => (await page.locator('#pay-hint').innerText()) === 'To pay, enter the security code.');
  assert.equal(await terms.isChecked(), true, 'the terms stay accepted');
  await shot(page, '05-pay-declined');

  await alert.getByRole('button', { name: 'Try another card' }).click();
  await fillCard(page, '4242424242424242');
  await page.getByRole('button', { name: 'Make Payment' }).click();
  await page.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
  await shot(page, '06-pay-retry-complete');
});

test('a card whose bank asks to confirm is paid once the sandbox bank approves (3-D Secure)', async () => {
  const page = await openLink(await sendLink(api));
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4000 0027 6000 3184');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Make Payment' }).click();

  const bank = page.getByRole('group', { name: 'Sandbox bank: confirm this payment' });
  await bank.waitFor();
  await shot(page, '07-pay-3ds-challenge');
  await bank.getByRole('button', { name: 'Approve' }).click();
  const dialog = page.getByRole('dialog', { name: 'Payment Complete' });
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /R-\d{4}-\d{6}/);
  await shot(page, '08-pay-3ds-complete');
});

test('a bank confirmation that fails is declined in its own words and the link can be paid again', async () => {
  const page = await openLink(await sendLink(api));
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4000002760003184');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Make Payment' }).click();
  const bank = page.getByRole('group', { name: 'Sandbox bank: confirm this payment' });
  await bank.getByRole('button', { name: 'Fail' }).click();

  const alert = page.getByRole('alert');
  await alert.getByText('Your bank did not confirm this payment').waitFor();
  assert.equal(await bank.count(), 0, 'the bank step is gone');
  await eventually(async () => (await page.getByLabel('Security code').inputValue()) === '');
  await shot(page, '09-pay-3ds-failed');
  await fillCard(page, '4242424242424242');
  await page.getByRole('button', { name: 'Make Payment' }).click();
  await page.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
});

test('the summary keeps its place while it loads (no layout shift)', async () => {
  const token = await sendLink(api);
  const page = await phonePage(browser);
  const release = await holdRequests(page, '**/api/v1/payment-link');
  await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
  const cardField = page.getByLabel('Card number');
  await cardField.waitFor();
  const before = await cardField.boundingBox();
  await shot(page, '00-pay-loading');
  release();
  await page.getByText('Total Due Amount').waitFor();
  const after = await cardField.boundingBox();
  assert.ok(Math.abs(after.y - before.y) <= 2, `the card fields moved from ${before.y} to ${after.y}`);
});

test('terms ticked in the HTML before the script has run stay ticked', async () => {
  const token = await sendLink(api);
  const page = await phonePage(browser);
  const release = await holdRequests(page, '**/my-account/assets/pay-*.js');
  // A module script holds DOMContentLoaded back: wait for the response only, then for the HTML's checkbox.
  await page.goto(`${api.baseUrl}/my-account/pay#${token}`, { waitUntil: 'commit' });
  const terms = page.getByRole('checkbox', { name: /I accept the terms/ });
  await terms.check();
  release();
  await page.getByText('Total Due Amount').waitFor();
  assert.equal(await terms.isChecked(), true);
  await fillCard(page, '4242 4242 4242 4242');
  await page.getByRole('button', { name: 'Make Payment', disabled: false }).waitFor({ timeout: 5000 });
});

test('an unknown link says so', async () => {
  const page = await openLink('not-a-real-token-not-a-real-token-not-a-rea');
  await page.getByRole('dialog', { name: 'Link Not Found' }).waitFor();
});

test('an expired link shows Link Expired with the support phone', async () => {
  const shortApi = await startApi({ env: { PAYMENT_LINK_TTL_SECONDS: '2' } });
  try {
    const token = await sendLink(shortApi);
    // The link's own TTL has to pass: the API says when.
    await eventually(async () => {
      const response = await fetch(`${shortApi.baseUrl}/api/v1/payment-link`, { headers: { 'payment-link-token': token } });
      return response.status === 410 && (await response.json()).code === 'link_expired';
    });
    const page = await phonePage(browser);
    await page.goto(`${shortApi.baseUrl}/my-account/pay#${token}`);
    const dialog = page.getByRole('dialog', { name: 'Link Expired' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /support team/);
    assert.match(await dialog.innerText(), /\(800\) 555-0100/);
    await shot(page, '07-pay-link-expired');
  } finally {
    await shortApi.stop();
  }
});
