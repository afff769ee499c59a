// The screens of issue 18, for a person to look at (a report, not a test): the real API on a fresh demo database
// (tests/e2e/api-server.mjs, with COMPANY_LOGO_URL set so the pay page shows a logo), Debian's Chromium through
// Playwright. My Account and the pay page at 360×640 (phone), both headers also at 320×568, PLUS Web at 1280×800;
// then PLUS Web's tables and My Account's invoices at 320×568.
// Writes full-page PNGs into the folder given and prints one line per file: its name and what it shows. A screen
// that could not be reached prints FAILED with the reason and the walk goes on (exit status 1 at the end).
//
// usage: scripts/screenshots <folder>   (or node scripts/screenshots.mjs <folder>; after cargo build -p payments-api and both SPAs' npm run build)
// Environment: CARGO_TARGET_DIR or PAYMENTS_API_BIN (the API binary), CHROMIUM_PATH (default /usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumLaunchOptions, eventually, startApi } from '../tests/e2e/api-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// playwright-core is a dev dependency of the SPAs, not of the repository root.
const { chromium } = createRequire(path.join(root, 'frontend-myaccount/package.json'))('playwright-core');

const out = process.argv[2];
if (!out) {
  console.error('usage: node scripts/screenshots.mjs <folder>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const DANA = '00000000-0000-4000-8000-000000000101';
const CAMRY = '00000000-0000-4000-8000-000000000201';
const PHONE = { viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true };
const NARROW = { viewport: { width: 320, height: 568 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

let failures = 0;
const api = await startApi({ env: { COMPANY_LOGO_URL: '/my-account/favicon.svg' } });
const browser = await chromium.launch(chromiumLaunchOptions);

async function post(pathname, body, headers = {}) {
  const answer = await fetch(`${api.baseUrl}/api/v1${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`POST ${pathname} answered ${answer.status}: ${await answer.text()}`);
  return answer.json();
}

/** Sends a link for Dana's Camry (14 days) to `phone` as the agent; returns its token from the SMS. */
async function sendLink(phone = '+15125550143') {
  const { access_token } = await post('/auth/staff/login', { email: 'agent@example.com', password: 'agent-demo-1' });
  const before = api.smsTokens().length;
  await post(
    '/payment-links',
    { client_id: DANA, vehicle_id: CAMRY, monitor_days: 14, phone },
    { authorization: `Bearer ${access_token}`, 'idempotency-key': crypto.randomUUID() },
  );
  await eventually(() => api.smsTokens().length > before);
  return api.lastSmsToken();
}

/** Runs `walk` in a fresh page of `options`; each `shot(name, what)` inside writes a PNG and prints its line. */
async function screens(options, walk) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const shot = async (name, what) => {
    const file = path.join(out, `${name}.png`);
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await page.screenshot({ path: file, fullPage: true });
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    const overflow = scrollWidth > innerWidth ? `  (WARNING: ${scrollWidth} px wide in ${innerWidth} px)` : '';
    console.log(`${path.basename(file)}  ${what}${overflow}`);
  };
  try {
    await walk(page, shot);
  } catch (error) {
    failures += 1;
    console.log(`FAILED  ${walk.name || 'a walk'}: ${String(error.message ?? error).split('\n')[0]}`);
  } finally {
    await context.close();
  }
}

async function signInToMyAccount(page) {
  await page.goto(`${api.baseUrl}/my-account/`);
  await page.getByLabel('Email').fill('client@example.com');
  await page.getByLabel('Password').fill('client-demo-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Make a Payment' }).waitFor();
}

async function signInToPlus(page) {
  await page.goto(`${api.baseUrl}/plus/`);
  await page.getByLabel('Email').fill('supervisor@example.com');
  await page.getByLabel('Password').fill('supervisor-demo-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Find a client' }).waitFor();
}

async function openDanaInPlus(page) {
  await page.getByLabel('Name or phone').fill('Whitfield');
  await page.getByRole('link', { name: 'Dana Whitfield' }).click();
  await page.getByRole('heading', { name: 'Dana Whitfield', level: 1 }).waitFor();
}

try {
  await screens(PHONE, async function myAccount(page, shot) {
    await page.goto(`${api.baseUrl}/my-account/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shot('01-myaccount-login-360', 'My Account sign-in, 360 px');
    await signInToMyAccount(page);
    await page.getByText('Total Due Amount').waitFor();
    await shot('02-make-a-payment-360', 'Make a Payment (Dana): overdue Camry preselected, paid-through and appointment under each vehicle, summary, card choice, 360 px');
    await page.getByLabel('Their mobile number').fill('737 555 0199');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByText(/^Payment link for .* sent to/).waitFor();
    await shot('03-send-a-payment-link-360', 'Make a Payment, "Send a payment link" sent to someone who pays for Dana, with the links she sent and their status, 360 px');
    await page.getByRole('link', { name: 'Account Information' }).click();
    await page.getByRole('heading', { name: 'Auto Pay', level: 2 }).waitFor();
    await shot('04-account-information-360', 'Account Information: past due with Pay now, appointment, phone format, cards on file, Auto Pay status, 360 px');
  });

  await screens(NARROW, async function myAccountHeader320(page, shot) {
    await signInToMyAccount(page);
    await shot('05-myaccount-header-320', 'My Account header at 320 px (Sign out on screen, no sideways scroll), Make a Payment below');
  });

  await screens(DESKTOP, async function plus(page, shot) {
    await signInToPlus(page);
    await shot('06-plus-find-client-1280', 'PLUS Web, Find a client (supervisor), 1280×800');
    await openDanaInPlus(page);
    await shot('07-plus-client-1280', 'PLUS Web, Dana Whitfield: vehicles with paid-through and next appointment, past due, send form, 1280×800');
    await page.getByRole('button', { name: 'Send Secure Payment Link' }).click();
    await page.getByRole('button', { name: 'Get Summary' }).click();
    await page.getByRole('button', { name: 'Send Message' }).waitFor();
    await page.getByLabel('Phone number to text').fill('5125550143');
    await page.getByRole('button', { name: 'Send Message' }).click();
    await page.getByText(/sent/i).first().waitFor();
    await shot('08-plus-link-sent-1280', 'PLUS Web: quote summary and a Secure Payment Link sent (phone and Send Message on one line, the link listed with its number), 1280×800');
    await page.getByRole('tab', { name: 'Account History' }).click();
    await page.getByRole('heading', { name: 'Take Payment' }).waitFor();
    await shot('09-plus-take-payment-1280', 'PLUS Web, Account History: Take Payment with vehicle and days to choose, card on file, Auto Pay note, 1280×800');
    await page.getByRole('tab', { name: 'Client Log' }).click();
    await page.getByRole('tabpanel').waitFor();
    await shot('10-plus-client-log-1280', 'PLUS Web, Client Log: lines written for people (the link sent, who it went to), 1280×800');
  });

  await screens(NARROW, async function plusHeader320(page, shot) {
    await signInToPlus(page);
    await openDanaInPlus(page);
    await shot('11-plus-header-320', 'PLUS Web header at 320 px (Log out on screen, no sideways scroll), Dana\'s page below');
  });
  await screens(PHONE, async function payPage(page, shot) {
    await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink()}`);
    await page.getByText('Total Due Amount').waitFor();
    await page.getByLabel('Card number').and(page.locator(':enabled')).waitFor();
    await page.waitForFunction(() => document.querySelector('.pay-brand img')?.complete);
    await shot('12-pay-page-360', 'Secure payment page: logo header (COMPANY_LOGO_URL), greeting, countdown, summary, card fields, terms, 360 px');
    await page.getByRole('button', { name: 'terms' }).click();
    await page.getByRole('dialog').waitFor();
    await shot('13-pay-terms-dialog-360', 'Pay page: the terms of payment in a dialog, 360 px');
    await page.keyboard.press('Escape');
    await page.getByLabel('Card number').fill('4000 0000 0000 0002');
    await page.getByLabel('Expiry (MM/YY)').fill('12/30');
    await page.getByLabel('Security code').fill('123');
    await page.getByLabel('Billing ZIP code').fill('78701');
    await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
    await page.getByRole('button', { name: 'Make Payment' }).click();
    await page.getByRole('button', { name: /another card/i }).waitFor();
    await shot('14-pay-declined-360', 'Pay page after a decline: the error announced, card number kept and focused, security code cleared, 360 px');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Security code').fill('123');
    await page.getByRole('button', { name: 'Make Payment' }).click();
    await page.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
    await shot('15-pay-complete-360', 'Pay page: Payment Complete with receipt number, paid-through date, View receipt and Done, 360 px');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await shot('16-pay-done-360', 'Pay page after Done: the end of the flow, 360 px');
    await page.reload();
    await page.getByText(/has been paid/).waitFor();
    await shot('17-pay-reopened-receipt-360', 'The paid link opened again: its receipt, 360 px');
  });

  await screens(PHONE, async function thirdPartyPayer(page, shot) {
    await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink('+17375550199')}`);
    await page.getByText('Total Due Amount').waitFor();
    await page.getByLabel('Card number').and(page.locator(':enabled')).waitFor();
    await shot('18-pay-third-party-360', 'Pay page opened by someone paying for Dana (link sent to another phone): "You\'re paying for Dana W.", 360 px');
  });

  await screens(PHONE, async function revokedLink(page, shot) {
    const token = await sendLink();
    const { access_token } = await post('/auth/staff/login', { email: 'agent@example.com', password: 'agent-demo-1' });
    const links = await (
      await fetch(`${api.baseUrl}/api/v1/clients/${DANA}/payment-links`, { headers: { authorization: `Bearer ${access_token}` } })
    ).json();
    const newest = (links.items ?? links)[0];
    await post(`/payment-links/${newest.id}/revoke`, {}, { authorization: `Bearer ${access_token}` });
    await page.goto(`${api.baseUrl}/my-account/pay#${token}`);
    await page.getByRole('dialog').waitFor();
    await shot('19-pay-link-revoked-360', 'Pay page of a link staff revoked: its dialog with the support number (no "use the newest link"), 360 px');
  });

  await screens(NARROW, async function payPage320(page, shot) {
    await page.goto(`${api.baseUrl}/my-account/pay#${await sendLink()}`);
    await page.getByText('Total Due Amount').waitFor();
    await page.getByLabel('Card number').and(page.locator(':enabled')).waitFor();
    await shot('20-pay-page-320', 'Secure payment page at 320 px (header, language switch, fields)');
  });

  await screens(NARROW, async function plusTables320(page, shot) {
    await signInToPlus(page);
    await sendLink();
    await openDanaInPlus(page);
    await page.locator('table.links tbody tr').first().waitFor();
    await page.getByRole('heading', { name: 'Payment links' }).scrollIntoViewIfNeeded();
    await shot('21-plus-links-320', 'PLUS Web, Dana\'s payment links at 320 px: the table scrolls in its own box, says so, shades the hidden side');
    await page.getByRole('tab', { name: 'Account History' }).click();
    await page.locator('table.invoices').waitFor();
    await shot('22-plus-account-history-320', 'PLUS Web, Account History at 320 px: invoices and payments tables in their scroll boxes, Take Payment');
  });

  await screens(NARROW, async function accountInformation320(page, shot) {
    await signInToMyAccount(page);
    await page.getByRole('link', { name: 'Account Information' }).click();
    await page.locator('table.invoices tbody tr').first().waitFor();
    await shot('23-account-information-320', 'My Account, Account Information at 320 px: invoices with the date and status in words');
  });

} finally {
  await browser.close();
  await api.stop();
}
process.exit(failures ? 1 : 0);
