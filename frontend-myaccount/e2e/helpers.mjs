import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, eventually, startApi, titleIs } from '../../tests/e2e/api-server.mjs';

export { eventually, startApi, titleIs };

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.resolve(here, '../../tests/artifacts/myaccount');
mkdirSync(artifacts, { recursive: true });

export const DANA = '00000000-0000-4000-8000-000000000101';
export const DANA_CAR = '00000000-0000-4000-8000-000000000201';

export const launch = () => chromium.launch(chromiumLaunchOptions);

/** Content-Security-Policy violations any page reported (the API's CSP allows no inline script). */
export const cspViolations = [];

/** A phone-sized page (360×640, touch). */
export async function phonePage(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return page;
}

/** A desktop-sized page (1280×800). */
export async function desktopPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return page;
}

/** Signs Dana in to My Account on `page` (at `baseUrl`) and waits for Make a Payment. */
export async function signInAsDana(page, baseUrl) {
  await page.goto(`${baseUrl}/my-account/`);
  await page.getByLabel('Email').fill('client@example.com');
  await page.getByLabel('Password').fill('client-demo-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tab', { name: 'Make a Payment' }).waitFor();
}

/** GETs `path` of the API (under `/api/v1`) as Dana, signed in through the client login, and returns the body. */
export async function getAsDana(api, path) {
  const signedIn = await fetch(`${api.baseUrl}/api/v1/auth/client/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'client@example.com', password: 'client-demo-1' }),
  });
  const { access_token } = await signedIn.json();
  const answer = await fetch(`${api.baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${access_token}` } });
  if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${await answer.text()}`);
  return answer.json();
}

/** Saves a full-page screenshot, after checking nothing sticks out sideways (no horizontal scrolling). */
export async function shot(page, name) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
  if (scrollWidth > innerWidth) throw new Error(`${name}: the page is ${scrollWidth}px wide in a ${innerWidth}px window`);
}

/** Sends Dana a payment link as the agent, through the staff API, and returns the token from the SMS. */
export async function sendLink(api, { vehicleId = DANA_CAR, days = 14 } = {}) {
  const login = await fetch(`${api.baseUrl}/api/v1/auth/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'agent@example.com', password: 'agent-demo-1' }),
  });
  const { access_token } = await login.json();
  const sentBefore = api.smsTokens().length;
  const response = await fetch(`${api.baseUrl}/api/v1/payment-links`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${access_token}`,
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify({ client_id: DANA, vehicle_id: vehicleId, monitor_days: days, phone: '+15125550143' }),
  });
  if (response.status !== 201) throw new Error(`send_link answered ${response.status}: ${await response.text()}`);
  await eventually(() => api.smsTokens().length > sentBefore);
  return api.lastSmsToken();
}

/** Holds back the page's requests to `pattern` until the returned function is called. */
export async function holdRequests(page, pattern) {
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await page.route(pattern, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** Types a card into the sandbox card fields. */
export async function fillCard(page, number, { expiry = '12/30', cvc = '123', zip = '78701' } = {}) {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry (MM/YY)').fill(expiry);
  await page.getByLabel('Security code').fill(cvc);
  await page.getByLabel('Billing ZIP code').fill(zip);
}
