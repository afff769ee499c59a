// Issue 18's My Account parts at 360×640: each vehicle's next service appointment (and when to pay before it),
// the past due with "Pay now", the client's Auto Pay status and next charge, and the terms on the pay page
// (read in a dialog, their version recorded with the payment, a stale version asked again).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DANA, desktopPage, eventually, fillCard, holdRequests, launch, phonePage, sendLink, shot, signInAsDana, startApi, titleIs } from './helpers.mjs';

const CAMRY = '00000000-0000-4000-8000-000000000201';
const F150 = '00000000-0000-4000-8000-000000000202';

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

/** Calls the API as `who` (`client`: Dana, `staff`: the agent). */
async function asUser(who, path) {
  const login = who === 'client' ? ['client@example.com', 'client-demo-1'] : ['agent@example.com', 'agent-demo-1'];
  const signedIn = await fetch(`${api.baseUrl}/api/v1/auth/${who}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: login[0], password: login[1] }),
  });
  const { access_token } = await signedIn.json();
  const answer = await fetch(`${api.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${access_token}` } });
  assert.equal(answer.status, 200, `${path}: ${answer.status}`);
  return answer.json();
}

const utc = (day) => new Date(`${day}T00:00:00Z`);
const monthDay = (day) => new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(utc(day));
const fullDate = (day) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(utc(day));
const dollars = (cents) => `$${(cents / 100).toFixed(2)}`;

/** What Dana's vehicles' appointments should say, from the API (the rule is the API's, not the test's). */
async function expectedAppointments() {
  const me = await asUser('client', '/me');
  const byId = Object.fromEntries(me.vehicles.map((v) => [v.id, v.next_appointment]));
  const camry = byId[CAMRY];
  const f150 = byId[F150];
  assert.ok(camry && f150, 'the demo seeds both appointments');
  assert.equal(camry.pay_before, true, 'the lapsed Camry is due before its appointment');
  assert.equal(f150.pay_before, false, 'the F-150 is paid through its appointment day');
  return {
    camry: `Next service appointment: ${fullDate(camry.business_day)} at 10:00 AM, Austin Central Service Center`,
    camryPayBefore: `Pay before your appointment on ${monthDay(camry.business_day)} so you don't pay at the service center.`,
    f150: `Next service appointment: ${fullDate(f150.business_day)} at 3:30 PM, Austin Central Service Center`,
  };
}

test('Make a Payment shows each vehicle’s next appointment, and says to pay before it only where due (360 px)', async () => {
  const expected = await expectedAppointments();
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  const camry = page.locator('.choice', { hasText: '2019 Toyota Camry' }).locator('.appointment');
  const f150 = page.locator('.choice', { hasText: '2015 Ford F-150' }).locator('.appointment');
  await camry.waitFor();
  assert.equal(await camry.locator('.muted').innerText(), expected.camry);
  assert.equal(await camry.locator('.pay-before').innerText(), expected.camryPayBefore);
  assert.equal(await f150.locator('.muted').innerText(), expected.f150);
  assert.equal(await f150.locator('.pay-before').count(), 0, 'the F-150 is paid through its appointment');
  await shot(page, '40-account18-payment-appointments');
  await page.context().close();
});

test('Account Information shows the appointments, and the past due with Pay now opens Make a Payment on the Camry', async () => {
  const expected = await expectedAppointments();
  const me = await asUser('client', '/me');
  assert.ok(me.past_due_cents > 0, 'Dana has a past due balance in the demo');
  assert.equal(me.next_vehicle_id, CAMRY);
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  await page.getByRole('link', { name: 'Account Information' }).click();
  const pastDue = page.getByRole('region', { name: 'Past due' });
  await pastDue.getByText(`You have a past due balance of ${dollars(me.past_due_cents)}.`).waitFor();
  const camry = page.locator('li', { hasText: '2019 Toyota Camry' }).locator('.appointment');
  await camry.waitFor();
  assert.equal(await camry.locator('.muted').innerText(), expected.camry);
  assert.equal(await camry.locator('.pay-before').innerText(), expected.camryPayBefore);
  const f150 = page.locator('li', { hasText: '2015 Ford F-150' }).locator('.appointment');
  assert.equal(await f150.locator('.muted').innerText(), expected.f150);
  // Prominent: above the account's details, in the first screen of a phone.
  const box = await pastDue.boundingBox();
  assert.ok(box && box.y + box.height <= 640, `the past due is on the first screen: ${JSON.stringify(box)}`);
  await shot(page, '41-account18-account-past-due');

  await pastDue.getByRole('button', { name: 'Pay now' }).click();
  await titleIs(page, 'Make a Payment – My Account');
  assert.equal(new URL(page.url()).pathname, '/my-account/payment');
  assert.equal(new URL(page.url()).searchParams.get('vehicle'), CAMRY);
  const camryRadio = page.getByRole('radio', { name: /2019 Toyota Camry/ });
  await eventually(() => camryRadio.isChecked());
  await page.getByText('2019 Toyota Camry, 30 days').waitFor();
  await eventually(() => page.evaluate(() => document.activeElement?.tagName === 'H1'));
  await shot(page, '42-account18-pay-now');
  await page.context().close();
});

test('Make a Payment opened for a named vehicle starts from it', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  await page.goto(`${api.baseUrl}/my-account/payment?vehicle=${F150}`);
  const f150 = page.getByRole('radio', { name: /2015 Ford F-150/ });
  await eventually(() => f150.isChecked());
  await page.getByText('2015 Ford F-150, 30 days').waitFor();
  assert.equal(await page.getByRole('radio', { name: /2019 Toyota Camry/ }).isChecked(), false);
  await page.context().close();
});

test('at 1280×800 the past due, the appointments and the terms dialog read the same', async () => {
  const page = await desktopPage(browser);
  await signInAsDana(page, api.baseUrl);
  await page.locator('.choice', { hasText: '2015 Ford F-150' }).locator('.appointment').waitFor();
  await page.getByRole('link', { name: 'Account Information' }).click();
  await page.getByRole('region', { name: 'Past due' }).getByRole('button', { name: 'Pay now' }).waitFor();
  await page.locator('li', { hasText: '2015 Ford F-150' }).locator('.appointment').waitFor();
  await shot(page, '47-account18-account-desktop');

  await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink(api)}`);
  await page.getByText('Total Due Amount').waitFor();
  await page.getByRole('button', { name: 'terms', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Terms of use for online payments' });
  await dialog.getByRole('heading', { name: 'Refunds and questions' }).waitFor();
  await shot(page, '48-account18-pay-terms-desktop');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.context().close();
});

test('Auto Pay shows whether it is on, its card and its next charge, on Account Information and Make a Payment', async () => {
  const page = await phonePage(browser);
  await signInAsDana(page, api.baseUrl);
  await page.getByRole('link', { name: 'Account Information' }).click();
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Auto Pay', level: 2 }) });
  await section.getByText('Auto Pay is off.', { exact: true }).waitFor();
  await section.getByRole('switch', { name: 'Auto Pay' }).click();
  await section.getByText(/^Auto Pay is on with Visa ending 4242\.$/).waitFor();
  const status = await asUser('client', '/me/autopay');
  const staffSees = await asUser('staff', `/clients/${DANA}/reminders`);
  assert.deepEqual(status.next_charge, staffSees.next_autopay_charge, 'one rule for the client and staff');
  assert.equal(status.next_charge.vehicle_id, CAMRY);
  const next = `Next Auto Pay charge: ${dollars(status.next_charge.amount_cents)} on ${fullDate(status.next_charge.date)} for the 2019 Toyota Camry.`;
  await section.getByText(next, { exact: true }).waitFor();
  await shot(page, '43-account18-autopay-status');

  await page.getByRole('link', { name: 'Payment' }).click();
  await page.getByText(`${next} You do not need to pay that yourself.`, { exact: true }).waitFor();
  await shot(page, '44-account18-payment-autopay-coming');

  await page.getByRole('link', { name: 'Account Information' }).click();
  const again = page.locator('section', { has: page.getByRole('heading', { name: 'Auto Pay', level: 2 }) });
  await again.getByText(/^Auto Pay is on with/).waitFor();
  await again.getByRole('switch', { name: 'Auto Pay' }).click();
  await again.getByRole('alertdialog', { name: 'Turn off Auto Pay?' }).getByRole('button', { name: 'Turn off Auto Pay' }).click();
  await again.getByText('Auto Pay is off.', { exact: true }).first().waitFor();
  await eventually(async () => (await again.getByText(/^Next Auto Pay charge/).count()) === 0);
  await page.context().close();
});

test('the pay page opens the terms in a dialog that keeps the form, and the payment records their version', async () => {
  const terms = await (await fetch(`${api.baseUrl}/api/v1/terms`)).json();
  const page = await phonePage(browser);
  await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink(api)}`);
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4242424242424242');
  const opener = page.getByRole('button', { name: 'terms', exact: true });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: terms.title });
  await dialog.waitFor();
  await dialog.getByText(`Version ${terms.version}, in effect from ${fullDate(terms.effective_date)}.`).waitFor();
  await dialog.getByRole('heading', { name: 'What you pay for' }).waitFor();
  await eventually(() => page.evaluate(() => document.activeElement?.closest('dialog') !== null), { timeoutMs: 5000 });
  await shot(page, '45-account18-pay-terms-dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await eventually(() => opener.evaluate((e) => e === document.activeElement));
  assert.equal(await page.getByLabel('Card number').inputValue(), '4242 4242 4242 4242', 'the form kept the card');

  // Close works too, and so does the keyboard.
  await opener.press('Enter');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  await eventually(() => opener.evaluate((e) => e === document.activeElement));

  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Make Payment' }).click();
  await page.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
  const history = await asUser('staff', `/clients/${DANA}/account-history`);
  const link = history.payments.find((p) => p.method === 'payment_link' && p.status === 'succeeded');
  assert.equal(link?.terms_version, terms.version, JSON.stringify(link));
  await page.context().close();
});

test('terms accepted in an old version are refused: the page shows the new terms and asks again', async () => {
  const page = await phonePage(browser);
  // The page loads terms that went out of date before it paid.
  let served = 0;
  await page.route('**/api/v1/terms', async (route) => {
    served += 1;
    if (served > 1) return route.continue();
    const current = await (await route.fetch()).json();
    await route.fulfill({ json: { ...current, version: '2020-01-01' } });
  });
  await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink(api, { vehicleId: F150 })}`);
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4242424242424242');
  const accept = page.getByRole('checkbox', { name: /I accept the terms/ });
  await accept.check();
  await page.getByRole('button', { name: 'Make Payment' }).click();

  const terms = await (await fetch(`${api.baseUrl}/api/v1/terms`)).json();
  const dialog = page.getByRole('dialog', { name: terms.title });
  await dialog.getByText(`Version ${terms.version},`, { exact: false }).waitFor();
  assert.equal(served, 2, 'the terms were asked for again');
  assert.equal(await accept.isChecked(), false, 'accepted again, not kept');
  await page.getByRole('alert').getByText(/Our terms have changed since you accepted them\. Nothing was charged\./).waitFor();
  await shot(page, '46-account18-pay-terms-stale');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await eventually(() => accept.evaluate((e) => e === document.activeElement));
  assert.equal(await page.getByLabel('Card number').inputValue(), '4242 4242 4242 4242');

  await accept.check();
  await page.getByRole('button', { name: 'Make Payment' }).click();
  await page.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
  await page.context().close();
});

test('Make Payment waits for the terms, says why, and offers to load them again when they failed (360 px)', async () => {
  const page = await phonePage(browser);
  // First the terms are slow; the page must not let the payer pay without the version it records.
  const release = await holdRequests(page, '**/api/v1/terms');
  await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink(api, { vehicleId: F150 })}`);
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4242424242424242');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  const pay = page.getByRole('button', { name: 'Make Payment' });
  const waiting = page.getByText('Loading the terms of payment: you can pay once they are here.');
  await waiting.waitFor();
  assert.equal(await pay.isDisabled(), true, 'disabled while the terms load');
  assert.equal(await pay.getAttribute('aria-describedby'), 'pay-hint');
  await shot(page, '49-account18-pay-terms-loading');
  release();
  await waiting.waitFor({ state: 'detached' });
  assert.equal(await pay.isDisabled(), false, 'payable once they are here');
  await page.context().close();

  // Then they fail: the page says so, keeps Pay disabled and loads them again on request.
  const failing = await phonePage(browser);
  let fail = true;
  await failing.route('**/api/v1/terms', (route) =>
    fail
      ? route.fulfill({ status: 503, contentType: 'application/problem+json', json: { code: 'service_unavailable', status: 503, title: 'Service unavailable' } })
      : route.continue(),
  );
  await failing.goto(`${api.baseUrl}/my-account/pay#${await sendLink(api, { vehicleId: F150 })}`);
  await failing.getByText('Total Due Amount').waitFor();
  await fillCard(failing, '4242424242424242');
  await failing.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await failing.getByText('The terms of payment could not be loaded, so you cannot pay yet. Nothing was charged.').waitFor();
  const again = failing.getByRole('button', { name: 'Load the terms again' });
  const payFailing = failing.getByRole('button', { name: 'Make Payment' });
  assert.equal(await payFailing.isDisabled(), true, 'disabled while there are no terms');
  const box = await again.boundingBox();
  assert.ok(box && box.height >= 44 && box.x >= 0 && box.x + box.width <= 360, `a touch target within 360 px: ${JSON.stringify(box)}`);
  await shot(failing, '51-account18-pay-terms-failed');
  fail = false;
  await again.click();
  await eventually(async () => !(await payFailing.isDisabled()));
  assert.equal(await again.count(), 0, 'no retry once they are here');
  await payFailing.click();
  await failing.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
  const terms = await (await fetch(`${api.baseUrl}/api/v1/terms`)).json();
  const history = await asUser('staff', `/clients/${DANA}/account-history`);
  const versions = history.payments.filter((p) => p.method === 'payment_link' && p.status === 'succeeded').map((p) => p.terms_version);
  assert.ok(versions.length > 0 && versions.every((v) => v === terms.version), JSON.stringify(versions));
  await failing.context().close();
});
