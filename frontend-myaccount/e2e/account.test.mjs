import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DANA, fillCard, holdRequests, launch, phonePage, shot, signInAsDana, startApi } from './helpers.mjs';

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

test('Dana signs in, pays with her saved Visa, sees the invoice and turns on Auto Pay', async () => {
  const page = await phonePage(browser);
  await page.goto(`${api.baseUrl}/my-account/`);
  await page.getByLabel('Email').fill('client@example.com');
  await page.getByLabel('Password').fill('client-demo-1');
  await shot(page, '10-account-login');
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.getByRole('tab', { name: 'Make a Payment' }).waitFor();
  await page.getByText('Total Due Amount').waitFor();
  await page.getByRole('radio', { name: /Visa ending 4242/ }).check();
  const summary = await page.locator('.summary').innerText();
  assert.match(summary, /Past due balance\s+\$102\.84/);
  await shot(page, '11-account-make-payment');

  await page.getByRole('button', { name: /^Make Payment of \$/ }).click();
  await page.getByRole('heading', { name: 'Account Information' }).waitFor();
  const paid = page.getByRole('heading', { name: /Payment received: invoice #\d+/ });
  await paid.waitFor();
  const number = (await paid.innerText()).match(/#(\d+)/)?.[1];
  await page.getByRole('cell', { name: `#${number}` }).waitFor();
  await shot(page, '12-account-information');

  const autopay = page.getByRole('switch', { name: 'Auto Pay' });
  assert.equal(await autopay.getAttribute('aria-checked'), 'false');
  await autopay.click();
  await page.getByText(/^Auto Pay is on with Visa ending 4242\.$/).waitFor();
  assert.equal(await autopay.getAttribute('aria-checked'), 'true');
  await shot(page, '13-account-autopay-on');

  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(page, '14-account-information-desktop');
  await page.setViewportSize({ width: 360, height: 640 });

  // Every receipt, from Account Information; each opens its printable page.
  await page.getByRole('link', { name: 'View and print your receipts' }).click();
  await page.getByRole('heading', { name: 'Receipts' }).waitFor();
  const receiptLink = page.getByRole('link', { name: /^R-\d{4}-\d{6}$/ });
  // The heading shows before the list arrives: wait for the list (one fetch) first.
  await receiptLink.first().waitFor();
  assert.equal(await receiptLink.count(), 1);
  await receiptLink.click();
  const receipt = page.getByRole('article');
  await receipt.waitFor();
  assert.match(await receipt.innerText(), new RegExp(`Invoice\\s+#${number}[\\s\\S]*Visa •••• 4242|Visa •••• 4242[\\s\\S]*#${number}`));
  await shot(page, '15-account-receipt');
});

test('an expired or bad session goes back to the login page', async () => {
  // Make a Payment asks for /me as its script starts, Account Information once it has rendered.
  for (const path of ['account', 'payment']) {
    const page = await phonePage(browser);
    await page.goto(`${api.baseUrl}/my-account/`);
    await page.evaluate(() => sessionStorage.setItem('myaccount.token', 'not-a-valid-jwt'));
    await page.goto(`${api.baseUrl}/my-account/${path}`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }
});

test('Make a Payment before its script runs or its client data arrives: days chosen stay, no card fields come and go', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);

  // The HTML's radios work before the script has run; the script asks for /me as it starts.
  for (const held of ['**/my-account/assets/payment-*.js', '**/api/v1/me']) {
    const release = await holdRequests(page, held);
    const config = page.waitForResponse('**/api/v1/config');
    // A module script holds DOMContentLoaded back: wait for the response only, then for the HTML's radios.
    await page.reload({ waitUntil: 'commit' });
    await page.getByRole('radio', { name: '14 days' }).check(); // Dana's plan is 30 days
    if (held === '**/api/v1/me') {
      // Which card pays is not known yet: no card fields (Dana pays with her saved Visa).
      await config;
      await page.evaluate(() => new Promise(requestAnimationFrame));
      assert.equal(await page.getByLabel('Card number').count(), 0);
    }
    release();
    await page.getByText('Total Due Amount').waitFor();
    assert.equal(await page.getByRole('radio', { name: '14 days' }).isChecked(), true, held);
    assert.match(await page.locator('.summary').innerText(), /14 days/, held);
    await page.unroute(held);
  }
});

test('a wrong password is refused', async () => {
  const page = await phonePage(browser);
  await page.goto(`${api.baseUrl}/my-account/`);
  await page.getByLabel('Email').fill('client@example.com');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('The email or password is not right.').waitFor();
});

test('Sign out ends the session at the API: the old token is refused', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  const token = await page.evaluate(() => sessionStorage.getItem('myaccount.token'));
  const me = () => fetch(`${api.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await me()).status, 200);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal((await me()).status, 401, 'a copy of the token no longer works');
});

test('a new card whose bank asks to confirm: a failed confirmation is declined, an approved one is paid (3-D Secure)', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  await page.getByText('Total Due Amount').waitFor();
  await page.getByRole('radio', { name: 'A new card' }).check();
  const pay = page.getByRole('button', { name: /^Make Payment of \$/ });
  const bank = page.getByRole('group', { name: 'Sandbox bank: confirm this payment' });

  await fillCard(page, '4000002760003184');
  await pay.click();
  await bank.getByRole('button', { name: 'Fail' }).click();
  await page.getByRole('alert').getByText('Your bank did not confirm this payment').waitFor();
  await shot(page, '15-account-3ds-failed');

  await fillCard(page, '4000002760003184');
  await pay.click();
  await bank.waitFor();
  await shot(page, '16-account-3ds-challenge');
  await bank.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { name: /Payment received: invoice #\d+/ }).waitFor();
  await shot(page, '17-account-3ds-paid');
});

/** A supervisor refunds `cents` of Dana's newest payment through the staff API (as PLUS Web does). */
async function refundNewestPayment(api, cents, reason) {
  const post = (path, body, headers = {}) => fetch(`${api.baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const login = await post('/auth/staff/login', { email: 'supervisor@example.com', password: 'supervisor-demo-1' });
  const { access_token } = await login.json();
  const authorization = `Bearer ${access_token}`;
  const history = await (await fetch(`${api.baseUrl}/api/v1/clients/${DANA}/account-history`, { headers: { authorization } })).json();
  const payment = history.payments[0];
  const refunded = await post(`/payments/${payment.id}/refunds`, { amount_cents: cents, reason },
    { authorization, 'idempotency-key': crypto.randomUUID() });
  if (refunded.status !== 201) throw new Error(`refund_payment answered ${refunded.status}: ${await refunded.text()}`);
  return payment;
}

test('Dana sees a refund on the invoice of the payment it gave back', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  await page.getByText('Total Due Amount').waitFor();
  await page.getByRole('radio', { name: /Visa ending 4242/ }).check();
  await page.getByRole('button', { name: /^Make Payment of \$/ }).click();
  const paid = page.getByRole('heading', { name: /Payment received: invoice #\d+/ });
  await paid.waitFor();
  const number = (await paid.innerText()).match(/#(\d+)/)?.[1];

  await refundNewestPayment(api, 2500, 'Billed twice for one day');
  await page.reload();
  const refunds = page.getByRole('list', { name: `Refunds of invoice #${number}` });
  await refunds.getByText('Refunded $25.00').waitFor();
  await shot(page, '15-account-invoice-refunded');
  await page.setViewportSize({ width: 1280, height: 800 });
  await shot(page, '16-account-invoice-refunded-desktop');
});

/**
 * The lines `element`'s text takes, as strings, read from the boxes of its characters (a <wbr> or an element
 * inside it does not split a line).
 */
function linesOf(element) {
  return element.evaluate((element) => {
    const lines = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let offset = 0; offset < node.data.length; offset++) {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        const line = lines.find((l) => Math.abs(l.top - rect.top) < 2);
        if (line) line.text += node.data[offset];
        else lines.push({ top: rect.top, text: node.data[offset] });
      }
    }
    return lines.sort((a, b) => a.top - b.top).map((l) => l.text);
  });
}

test('at 320 px Account Information breaks Dana’s e-mail address only after the @ or before a dot', async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  try {
    await signInAsDana(page, api.baseUrl);
    await page.getByRole('link', { name: 'Account Information' }).click();
    const email = page.locator('.facts dt', { hasText: 'Email' }).locator('xpath=following-sibling::dd[1]');
    await email.waitFor();
    assert.equal(await email.textContent(), 'client@example.com');
    const lines = await linesOf(email);
    assert.equal(lines.join(''), 'client@example.com');
    // Where one line ends and the next starts: after "client@", or before ".com", never inside a word.
    for (let n = 1; n < lines.length; n++) {
      const [end, start] = [lines[n - 1].at(-1), lines[n][0]];
      assert.ok(end === '@' || start === '.', `the address breaks inside a word: ${JSON.stringify(lines)}`);
    }
    assert.ok(lines.some((line) => line.startsWith('client@')), `the name before the @ is split: ${JSON.stringify(lines)}`);
    assert.equal(await email.evaluate((dd) => dd.scrollWidth <= dd.clientWidth), true);
    await shot(page, '12-account-information-320');
  } finally {
    await context.close();
  }
});
