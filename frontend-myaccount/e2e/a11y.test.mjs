// Issue 18, accessibility (WCAG 2.2 AA) at 360×640: the link's time limit warned and renewable (2.2.1), sessions
// that warn and extend (2.2.1), a focus ring of 3:1 (1.4.11, 2.4.7), titles per page (2.4.2).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, launch, phonePage, sendLink, shot, signInAsDana, startApi, titleIs } from './helpers.mjs';
import { assertHeaderFitsWithTextSpacing, checkSessionWarning, contrast } from '../../tests/e2e/browser.mjs';

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

test('the pay page warns at 2 minutes and 30 seconds, and at zero keeps what was typed under Link Expired', async () => {
  const token = await sendLink(api);
  const page = await phonePage(browser);
  await page.clock.install();
  await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
  await page.getByRole('timer').waitFor();
  await titleIs(page, /^Secure Payment – /);
  const warning = page.locator('#time-warning');
  assert.equal(await warning.getAttribute('aria-live'), 'polite');
  assert.equal(await warning.innerText(), '');
  const number = page.getByLabel('Card number');
  await number.fill('4242 4242 4242 4242');
  await page.clock.fastForward('08:05');
  await eventually(async () => (await warning.textContent()) === '2 minutes left to pay this link.');
  await page.clock.fastForward('01:35');
  await eventually(async () => /^30 seconds left to pay/.test(await warning.textContent()));
  await page.clock.fastForward('00:31');
  const dialog = page.getByRole('dialog', { name: 'Link Expired' });
  await dialog.waitFor();
  await titleIs(page, 'Link Expired – Monitoring Services');
  await dialog.getByRole('button', { name: 'Text me a new link' }).waitFor();
  // The form stays behind the dialog with what was typed.
  assert.equal(await number.inputValue(), '4242 4242 4242 4242');
  await shot(page, '40-pay-expired-with-renewal');
});

test('Text me a new link sends a fresh link to the same phone, once', async () => {
  const shortApi = await startApi({ env: { PAYMENT_LINK_TTL_SECONDS: '2' } });
  try {
    const token = await sendLink(shortApi);
    await eventually(async () => {
      const response = await fetch(`${shortApi.baseUrl}/api/v1/payment-link`, { headers: { 'payment-link-token': token } });
      return response.status === 410;
    });
    const page = await phonePage(browser);
    await page.goto(`${shortApi.baseUrl}/my-account/pay#${token}`);
    const dialog = page.getByRole('dialog', { name: 'Link Expired' });
    await dialog.waitFor();
    const before = shortApi.smsTokens().length;
    await dialog.getByRole('button', { name: 'Text me a new link' }).click();
    const status = dialog.getByRole('status');
    await eventually(async () => /^We texted a new link to \(•••\) •••-0143\./.test(await status.innerText()));
    await eventually(() => shortApi.smsTokens().length === before + 1);
    assert.notEqual(shortApi.lastSmsToken(), token);
    assert.equal(await dialog.getByRole('button', { name: 'Text me a new link' }).count(), 0);
    // The token went in a header, never in a URL.
    assert.ok(!shortApi.logs().includes(`renewal?`) && !shortApi.logs().split('\n').some((l) => !/sms_console|SMS to/.test(l) && l.includes(token)));
    await shot(page, '41-pay-new-link-texted');
  } finally {
    await shortApi.stop();
  }
});

test('the focus ring is at least 3:1 on white, and each My Account page has its own title', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  await titleIs(page, 'Make a Payment – My Account');
  await page.keyboard.press('Tab');
  const ring = await page.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return { color: style.outlineColor, width: style.outlineWidth, style: style.outlineStyle, tag: document.activeElement.tagName };
  });
  assert.equal(ring.style, 'solid', JSON.stringify(ring));
  assert.ok(parseFloat(ring.width) >= 2, JSON.stringify(ring));
  // The first stop is in the header (white ring on the brand colour); a field in the page has the blue one.
  const field = page.getByRole('radio').first();
  await field.focus();
  await page.keyboard.press('ArrowDown');
  const color = await page.evaluate(() => getComputedStyle(document.activeElement).outlineColor);
  assert.ok(contrast(color, 'rgb(255, 255, 255)') >= 3, `${color} on white`);
  await page.getByRole('link', { name: 'Account Information' }).click();
  await titleIs(page, 'Account Information – My Account');
});

test('a client session warns two minutes before it ends, extends, and says it ended on the sign-in page', async () => {
  const page = await phonePage(browser);
  await page.clock.install();
  await signInAsDana(page, api.baseUrl);
  await checkSessionWarning(page, async (warning) => {
    assert.equal(await warning.getAttribute('role'), 'alert');
    await shot(page, '42-account-session-warning');
  });
  await titleIs(page, 'Sign in – My Account');
});

test('at 320 px with the WCAG text-spacing CSS the header does not overflow and Sign out is on screen, contrasted', async () => {
  // bypassCSP: only to inject the text-spacing bookmarklet's stylesheet, as the bookmarklet itself does.
  const context = await browser.newContext({ viewport: { width: 320, height: 568 }, hasTouch: true, isMobile: true, bypassCSP: true });
  const page = await context.newPage();
  try {
    await signInAsDana(page, api.baseUrl);
    const signOut = page.getByRole('button', { name: 'Sign out' });
    await assertHeaderFitsWithTextSpacing(page, signOut, 320);
    // Its text against the header behind it (the button itself is transparent).
    const colours = await signOut.evaluate((e) => ({
      fg: getComputedStyle(e).color,
      bg: getComputedStyle(e.closest('.topbar')).backgroundColor,
    }));
    assert.ok(contrast(colours.fg, colours.bg) >= 4.5, JSON.stringify(colours));
    await shot(page, '43-account-header-320-text-spacing');
  } finally {
    await context.close();
  }
});

test('Enter on Make Payment with a field missing shows its error and focuses it; the pay page has its brand and a Done', async () => {
  const token = await sendLink(api);
  const page = await phonePage(browser);
  const icons = [];
  page.on('response', (r) => r.url().endsWith('/favicon.svg') && icons.push(r.status()));
  await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
  await page.getByRole('timer').waitFor();
  assert.equal(await page.locator('.pay-brand').innerText(), 'Monitoring Services');
  await titleIs(page, 'Secure Payment – Monitoring Services');
  await eventually(() => icons.includes(200));
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  const number = page.getByLabel('Card number');
  await number.fill('4242 4242 4242 4242');
  const pay = page.getByRole('button', { name: 'Make Payment' });
  assert.equal(await pay.getAttribute('aria-disabled'), 'true');
  // The hint follows the fields on their next render: wait for it, do not read it at once.
  const hint = 'To pay, enter the expiry date, the security code and the billing ZIP code.';
  await eventually(async () => (await page.locator('#pay-hint').innerText()) === hint);
  await number.press('Enter');
  await eventually(async () => (await page.evaluate(() => document.activeElement?.getAttribute('name'))) === 'exp-date');
  const alerts = await page.locator('.card-fields [role="alert"]').allInnerTexts();
  assert.ok(alerts.length === 3 && /expiry/i.test(alerts[0]), alerts.join(' | '));
  await shot(page, '44-pay-missing-fields-focused');
  await page.getByLabel('Expiry (MM/YY)').fill('12/30');
  await page.getByLabel('Security code').fill('123');
  await page.getByLabel('Billing ZIP code').fill('78701');
  await pay.click();
  const dialog = page.getByRole('dialog', { name: 'Payment Complete' });
  await dialog.waitFor();
  await titleIs(page, 'Payment Complete – Monitoring Services');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('heading', { name: 'Thank you' }).waitFor();
  await eventually(async () => (await page.evaluate(() => document.activeElement?.textContent)) === 'Thank you');
  await shot(page, '45-pay-done');
});
