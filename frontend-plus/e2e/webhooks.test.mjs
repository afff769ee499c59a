// Browser tests of PLUS Web's webhook endpoints screen (issue 20) at 1280×800: an admin registers an endpoint on
// a local receiver of the test's own, sees its signing secret once, watches a delivery fail, be retried and
// succeed, replays it, pauses and resumes the endpoint; admins are told on every page when an endpoint was
// disabled after failing for 24 hours. The real API (../tests/e2e/api-server.mjs) with a fast webhook worker.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, eventually, startApi, titleIs } from '../../tests/e2e/api-server.mjs';

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/artifacts/plus');
mkdirSync(artifacts, { recursive: true });

const AGENT = { email: 'agent@example.com', password: 'agent-demo-1' };
const ADMIN = { email: 'admin@example.com', password: 'admin-demo-1' };
const DANA = '00000000-0000-4000-8000-000000000101';
const CAMRY = '00000000-0000-4000-8000-000000000201';
/** Deliveries take a poll (100 ms) and, after a failure, a retry (500 ms, doubling): well within this. */
const DELIVERY_DEADLINE = { timeoutMs: 20_000 };

let api;
let browser;

before(async () => {
  api = await startApi({ env: { WEBHOOK_POLL_INTERVAL_MS: '100', WEBHOOK_RETRY_BASE_MS: '500' } });
  browser = await chromium.launch(chromiumLaunchOptions);
});

after(async () => {
  await browser?.close();
  await api?.stop();
});

/**
 * A partner's endpoint on a free local port: records every request (headers and raw body) and answers the
 * statuses of `plan` in turn, then 200.
 */
async function startReceiver(plan = []) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(plan.shift() ?? 200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/${randomUUID()}`,
    requests,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** The Standard Webhooks check, from the specification: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`. */
function verified(secret, request) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature } = request.headers;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest('base64');
  return signature.split(' ').includes(`v1,${expected}`) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

async function token(login) {
  const response = await fetch(`${api.baseUrl}/api/v1/auth/staff/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(login),
  });
  assert.equal(response.status, 200);
  return (await response.json()).access_token;
}

/** An admin (`admin`: their token) registers `url` for `events` through the API; answers the endpoint. */
async function createEndpoint(admin, url, events) {
  const created = await fetch(`${api.baseUrl}/api/v1/webhook-endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url, events }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  return created.json();
}

/** An agent sends Dana a payment link through the API: a `link.sent` event. */
async function sendLink() {
  const response = await fetch(`${api.baseUrl}/api/v1/payment-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token(AGENT)}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ client_id: DANA, vehicle_id: CAMRY, monitor_days: 14, phone: '5125550143' }),
  });
  assert.equal(response.status, 201, await response.text());
}

/** A fresh signed-in page at 1280×800 (own context); fails the test on any page error. */
async function signedInPage(t, login) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(errors, [], 'the page logged no errors (CSP included)');
  });
  await page.goto(`${api.baseUrl}/plus/`);
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Find a client' }).waitFor();
  return page;
}

const focusedId = (page) => page.evaluate(() => document.activeElement?.id ?? '');
const shot = (page, name) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('an admin registers an endpoint, sees its secret once, its retried delivery, replays it, pauses and resumes it', async (t) => {
  const receiver = await startReceiver([500]); // the first attempt fails, the retry succeeds
  t.after(receiver.close);
  const page = await signedInPage(t, ADMIN);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.baseUrl });
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByRole('heading', { name: 'Webhook endpoints', level: 1 }).waitFor();
  await titleIs(page, 'Webhook endpoints – PLUS Web');
  await page.getByText('No webhook endpoints yet.').waitFor();

  await page.getByLabel('Endpoint URL').fill(receiver.url);
  await page.getByRole('button', { name: 'Register endpoint' }).click();
  await page.getByText('Choose at least one event.').waitFor();
  await page.getByRole('checkbox', { name: /link\.sent/ }).check();
  await page.getByRole('checkbox', { name: /payment\.succeeded/ }).check();
  await shot(page, '50-webhook-register');
  await page.getByRole('button', { name: 'Register endpoint' }).click();

  const shown = page.getByRole('textbox', { name: 'Signing secret' });
  await shown.waitFor();
  await eventually(async () => (await focusedId(page)) === 'new-webhook-secret');
  await page.getByText(/you will not see it again/).waitFor();
  const secret = await shown.inputValue();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await page.getByText(/^Copied/).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await shot(page, '51-webhook-secret-shown-once');
  await page.getByRole('button', { name: 'Done' }).click();
  await eventually(async () => (await focusedId(page)) === 'endpoints-title');
  assert.equal(await page.getByRole('textbox', { name: 'Signing secret' }).count(), 0, 'the secret is shown once');
  assert.ok(!(await page.content()).includes(secret.slice(6)), 'the page keeps no copy of the secret');

  const row = page.getByRole('row', { name: new RegExp(escape(receiver.url)) });
  await row.getByRole('cell', { name: 'Active', exact: true }).waitFor();
  assert.match(await row.innerText(), /link\.sent, payment\.succeeded/);

  // An event: its first attempt answered 500, the retry 200, both signed, with one webhook-id.
  await sendLink();
  await row.getByRole('link', { name: `Deliveries to ${receiver.url}` }).click();
  await page.getByRole('heading', { name: `Deliveries to ${receiver.url}` }).waitFor();
  await eventually(async () => (await focusedId(page)) === 'deliveries-title');
  const delivery = page.getByRole('table', { name: /^Deliveries to/ }).getByRole('row', { name: /link\.sent/ });
  await delivery.getByRole('cell', { name: 'Delivered', exact: true }).waitFor({ timeout: DELIVERY_DEADLINE.timeoutMs });
  const attempts = await delivery.getByRole('listitem').allInnerTexts();
  assert.equal(attempts.length, 2, attempts.join('\n'));
  assert.match(attempts[0], /HTTP 500 \(the endpoint answered HTTP 500\)/);
  assert.match(attempts[1], /HTTP 200, \d+ ms$/);
  assert.equal(receiver.requests.length, 2);
  const eventId = receiver.requests[0].headers['webhook-id'];
  assert.match(eventId, /^msg_/);
  assert.match(await delivery.innerText(), new RegExp(eventId));
  for (const request of receiver.requests) {
    assert.equal(request.headers['webhook-id'], eventId, 'a retry carries the same event id');
    assert.ok(verified(secret, request), 'signed with the secret shown once');
    assert.equal(JSON.parse(request.body).type, 'link.sent');
  }
  await shot(page, '52-webhook-deliveries');

  // Replay: sent again with the same id; the new attempt is listed.
  await delivery.getByRole('button', { name: `Replay link.sent ${eventId}` }).click();
  await page.getByText(/is queued again/).waitFor();
  await eventually(() => receiver.requests.length === 3, DELIVERY_DEADLINE);
  assert.equal(receiver.requests[2].headers['webhook-id'], eventId);
  assert.ok(verified(secret, receiver.requests[2]));
  await eventually(async () => (await delivery.getByRole('listitem').count()) === 3, DELIVERY_DEADLINE);

  // Pause, then resume.
  await row.getByRole('button', { name: `Pause ${receiver.url}` }).click();
  await row.getByRole('cell', { name: /^Paused by an admin/ }).waitFor();
  await shot(page, '53-webhook-paused');
  await row.getByRole('button', { name: `Resume ${receiver.url}` }).click();
  await row.getByRole('cell', { name: 'Active', exact: true }).waitFor();
});

test('admins are told on every page when an endpoint was disabled after failing for 24 hours, until it is resumed', async (t) => {
  const receiver = await startReceiver();
  t.after(receiver.close);
  await createEndpoint(await token(ADMIN), receiver.url, ['payment.succeeded']);
  // 24 hours of failures cannot pass in a browser test (the API test moves its clock through them,
  // webhook_endpoints.rs): put the endpoint in the state the worker leaves it in.
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', api.databasePath,
    `update webhook_endpoints set status = 'disabled', disabled_reason = 'failing', failing_since = created_at,
     disabled_at = created_at where url = '${receiver.url}'`]);

  const agent = await signedInPage(t, AGENT);
  await agent.getByRole('link', { name: 'Client search' }).waitFor();
  assert.equal(await agent.getByRole('link', { name: 'Webhooks' }).count(), 0, 'an agent is not offered webhooks');
  assert.equal(await agent.getByText(/disabled after failing/).count(), 0, 'nor told of them');

  const page = await signedInPage(t, ADMIN);
  const banner = page.getByRole('region', { name: 'Webhook endpoints disabled' });
  await banner.getByText('1 webhook endpoint was disabled after failing for 24 hours.').waitFor();
  await shot(page, '54-webhook-disabled-banner');
  // An admin's header (two more links) and the banner fit a 320 px phone too.
  await page.setViewportSize({ width: 320, height: 568 });
  await eventually(async () => {
    const sizes = await page.evaluate(() => [document.documentElement.scrollWidth, document.querySelector('.topbar')?.scrollWidth ?? 0]);
    return sizes.every((width) => width <= 320);
  });
  const logOut = await page.getByRole('button', { name: 'Log out' }).boundingBox();
  assert.ok(logOut && logOut.x >= 0 && logOut.x + logOut.width <= 320, `Log out at ${JSON.stringify(logOut)}`);
  await shot(page, '55-webhook-banner-320');
  await page.setViewportSize({ width: 1280, height: 800 });
  await banner.getByRole('link', { name: 'Review webhook endpoints' }).click();
  await page.getByRole('heading', { name: 'Webhook endpoints', level: 1 }).waitFor();
  await titleIs(page, 'Webhook endpoints – PLUS Web');
  const row = page.getByRole('row', { name: new RegExp(escape(receiver.url)) });
  await row.getByRole('cell', { name: /^Disabled .* after failing for 24 hours/ }).waitFor();
  await row.getByRole('button', { name: `Resume ${receiver.url}` }).click();
  await row.getByRole('cell', { name: 'Active', exact: true }).waitFor();
  await banner.waitFor({ state: 'detached' });
});

test('an admin deletes an endpoint after the in-app confirm step, never a browser dialog, focus kept in place', async (t) => {
  const receiver = await startReceiver();
  t.after(receiver.close);
  const admin = await token(ADMIN);
  const { id } = await createEndpoint(admin, receiver.url, ['link.sent']);

  const page = await signedInPage(t, ADMIN);
  const dialogs = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.type());
    void dialog.dismiss();
  });
  await page.getByRole('link', { name: 'Webhooks' }).click();
  const row = page.getByRole('row', { name: new RegExp(escape(receiver.url)) });
  await row.getByRole('cell', { name: 'Active', exact: true }).waitFor();

  // Keep it: nothing deleted, focus back on the row's Delete button.
  await row.getByRole('button', { name: `Delete ${receiver.url}` }).click();
  await eventually(async () => (await page.evaluate(() => document.activeElement?.textContent)) === 'Confirm delete');
  await row.getByText(/and its delivery history\? No more events are sent to it/).waitFor();
  await shot(page, '56-webhook-delete-confirm');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // "Keep it", by keyboard
  await eventually(async () => (await focusedId(page)) === `delete-${id}`);

  await page.keyboard.press('Enter'); // Delete, by keyboard
  await row.getByRole('button', { name: 'Confirm delete' }).click();
  await row.waitFor({ state: 'detached' });
  await eventually(async () => (await focusedId(page)) === 'endpoints-title');
  const listed = await fetch(`${api.baseUrl}/api/v1/webhook-endpoints`, { headers: { authorization: `Bearer ${admin}` } });
  assert.ok(!(await listed.json()).some((endpoint) => endpoint.id === id), 'the endpoint is deleted');
  assert.deepEqual(dialogs, [], 'no browser confirm()');
  await shot(page, '57-webhook-deleted');
});
