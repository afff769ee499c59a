// Issue 18 at phone sizes: the vehicle due first, cards kept once and only after their payment succeeded,
// cards removed, the header at 320 px, and pages that work when the browser refuses site storage.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, fillCard, launch, phonePage, sendLink, shot, signInAsDana, startApi } from './helpers.mjs';
import { denySiteStorage } from '../../tests/e2e/browser.mjs';

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

test("Make a Payment preselects the lapsed Camry, not the F-150, and flags it overdue (360 px)", async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  const camry = page.getByRole('radio', { name: /2019 Toyota Camry/ });
  await eventually(() => camry.isChecked());
  assert.equal(await page.getByRole('radio', { name: /2015 Ford F-150/ }).isChecked(), false);
  const overdue = page.locator('.choice', { hasText: '2019 Toyota Camry' }).locator('.overdue');
  assert.match(await overdue.innerText(), /^⚠ Overdue: paid through [A-Z][a-z]{2} \d{1,2}, \d{4}$/);
  const color = await overdue.evaluate((e) => getComputedStyle(e).color);
  assert.equal(color, 'rgb(179, 38, 30)', 'flagged, not plain text');
  const f150 = page.locator('.choice', { hasText: '2015 Ford F-150' });
  assert.match(await f150.innerText(), /Paid through [A-Z][a-z]{2} \d{1,2}, \d{4}/);
  await page.getByText('2019 Toyota Camry, 30 days').waitFor();
  await shot(page, '30-account-vehicle-due-first');
});

test('a new card declined with "Save this card" ticked is not kept, and the hint names the missing field, not terms', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  await page.getByText('Total Due Amount').waitFor();
  await page.getByRole('radio', { name: 'A new card' }).check();
  const hint = page.locator('#pay-hint');
  await eventually(async () => (await hint.innerText()).startsWith('To pay, enter the card number'));
  assert.doesNotMatch(await hint.innerText(), /terms/, 'Make a Payment has no terms to accept');
  // The insufficient-funds card would pass a check of the card alone: only the payment's outcome decides.
  await fillCard(page, '4000000000009995', { cvc: '' });
  // The hint follows the last keystroke: wait for it rather than read it mid-render.
  await eventually(async () => (await hint.innerText()) === 'To pay, enter the security code.');
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('checkbox', { name: 'Save this card for next time' }).check();
  await page.getByRole('button', { name: /^Make Payment of \$/ }).click();
  await page.getByRole('alert').getByText(/declined|funds/i).waitFor();
  assert.equal(await page.getByLabel('Card number').inputValue(), '4000 0000 0000 9995');
  await eventually(async () => (await page.getByLabel('Security code').inputValue()) === '');
  await eventually(() => page.evaluate(() => document.activeElement?.getAttribute('name') === 'cardnumber'));
  await shot(page, '31-account-declined-kept-fields');

  await page.getByRole('link', { name: 'Account Information' }).click();
  const cards = page.getByRole('region', { name: 'Cards on file' });
  await cards.getByText('Visa ending 4242').waitFor();
  assert.equal(await cards.getByText(/ending 9995/).count(), 0, 'the declined card was not kept');
});

test('a card saved twice is on file once, and Dana removes it after confirming', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  for (let round = 0; round < 2; round++) {
    await page.getByText('Total Due Amount').waitFor();
    await page.getByRole('radio', { name: 'A new card' }).check();
    await fillCard(page, '5555555555554444');
    await page.getByRole('checkbox', { name: 'Save this card for next time' }).check();
    await page.getByRole('button', { name: /^Make Payment of \$/ }).click();
    await page.getByRole('heading', { name: /Payment received: invoice #\d+/ }).waitFor();
    if (round === 0) await page.getByRole('link', { name: 'Payment' }).click();
  }
  const cards = page.getByRole('region', { name: 'Cards on file' });
  await cards.getByText('Mastercard ending 4444').waitFor();
  assert.equal(await cards.getByText('Mastercard ending 4444').count(), 1, 'kept once');
  await shot(page, '32-account-cards-on-file');

  await cards.getByRole('button', { name: 'Remove Mastercard ending 4444' }).click();
  const confirm = cards.getByRole('group', { name: 'Remove Mastercard ending 4444?' });
  await confirm.waitFor();
  await shot(page, '33-account-remove-card-confirm');
  await confirm.getByRole('button', { name: 'Remove card' }).click();
  await cards.getByText('Mastercard ending 4444 was removed.').waitFor();
  assert.equal(await cards.getByRole('listitem').filter({ hasText: 'Mastercard' }).count(), 0);
  await page.reload();
  await page.getByRole('region', { name: 'Cards on file' }).getByText('Visa ending 4242').waitFor();
  assert.equal(await page.getByText('Mastercard ending 4444').count(), 0, 'gone for good');
});

test('at 320 px the header does not scroll sideways and Sign out is on screen', async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 568 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await signInAsDana(page, api.baseUrl);
  for (const where of ['Payment', 'Account Information']) {
    await page.getByRole('link', { name: where }).click();
    await page.getByRole('heading', { name: where, level: 1 }).waitFor();
    const sizes = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      header: document.querySelector('.topbar')?.scrollWidth ?? 0,
      window: window.innerWidth,
    }));
    assert.ok(sizes.page <= 320 && sizes.header <= 320, `${where}: ${JSON.stringify(sizes)}`);
    const signOut = await page.getByRole('button', { name: 'Sign out' }).boundingBox();
    assert.ok(signOut && signOut.x >= 0 && signOut.x + signOut.width <= 320, `Sign out at ${JSON.stringify(signOut)}`);
    await shot(page, `34-account-header-320-${where === 'Payment' ? 'payment' : 'account'}`);
  }
  await context.close();
});

/** A phone page whose browser refuses site storage (Chromium's "don't allow sites to save data"). */
async function pageWithoutStorage() {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  await context.addInitScript(denySiteStorage);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

test('without site storage the pay page is payable and says a reload needs the link again', async () => {
  const { page, errors } = await pageWithoutStorage();
  await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink(api)}`);
  await page.getByText('Total Due Amount').waitFor();
  await page.getByText(/this browser does not let us keep your link/).waitFor();
  await fillCard(page, '4242424242424242');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Make Payment' }).click();
  await page.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
  await shot(page, '35-pay-without-storage');
  assert.deepEqual(errors, []);
});

test('without site storage My Account signs in, pays and says a reload signs out', async () => {
  const { page, errors } = await pageWithoutStorage();
  await signInAsDana(page, api.baseUrl);
  await page.getByText('This browser does not let this site keep data, so reloading the page signs you out.').waitFor();
  await page.getByText('Total Due Amount').waitFor();
  await page.getByRole('radio', { name: /Visa ending 4242/ }).check();
  await page.getByRole('button', { name: /^Make Payment of \$/ }).click();
  await page.getByRole('heading', { name: /Payment received: invoice #\d+/ }).waitFor();
  await shot(page, '36-account-without-storage');
  await page.reload();
  await page.getByLabel('Email').waitFor(); // signed out, as the notice said
  assert.deepEqual(errors, []);
});
