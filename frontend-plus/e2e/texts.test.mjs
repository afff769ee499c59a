// Browser test of the client page's texts (issue 19, item 8): opt-out, next Auto Pay charge, last reminder.
// Its own API, with the reminders job on (due at once) and Twilio as the SMS sender, talking to a local fake of
// Twilio's Messages resource, so that a signed inbound STOP can opt a phone out as Twilio would.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, eventually, startApi } from '../../tests/e2e/api-server.mjs';

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/artifacts/plus');
mkdirSync(artifacts, { recursive: true });

const ACCOUNT_SID = 'AC00000000000000000000000000000123';
const AUTH_TOKEN = 'twilio-e2e-token';
let api;
let browser;
let twilio;

/** Twilio's Messages resource: every message is accepted. */
function startTwilioFake() {
  let count = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      count += 1;
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ sid: `SM${String(count).padStart(32, '0')}`, status: 'queued' }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Posts a text from `from` to the inbound webhook, signed as Twilio signs it (URL + sorted fields, HMAC-SHA1). */
async function textUs(from, body) {
  const url = `${api.baseUrl}/api/v1/webhooks/twilio/inbound`;
  const fields = { AccountSid: ACCOUNT_SID, Body: body, From: from, MessageSid: 'SM00000000000000000000000000000099', To: '+15125550000' };
  const signed = Object.keys(fields).sort().reduce((text, key) => text + key + fields[key], url);
  const signature = createHmac('sha1', AUTH_TOKEN).update(signed).digest('base64');
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(fields).toString(),
  });
  assert.equal(answer.status, 200, await answer.text());
}

before(async () => {
  twilio = await startTwilioFake();
  api = await startApi({
    env: {
      SCHEDULER_JOBS: 'reminders',
      NOTICES_LOCAL_TIME: '00:00',
      SCHEDULER_POLL_INTERVAL_MS: '200',
      SMS_SENDER: 'twilio',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM: '+15125550000',
      TWILIO_API_BASE: `http://127.0.0.1:${twilio.address().port}`,
    },
  });
  browser = await chromium.launch(chromiumLaunchOptions);
});

after(async () => {
  await browser?.close();
  await api?.stop();
  twilio?.close();
});

async function signedInPage(t, width, height) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  t.after(async () => {
    await context.close();
    assert.deepEqual(errors, [], 'the page logged no errors');
  });
  await page.goto(`${api.baseUrl}/plus/`);
  await page.getByLabel('Email').fill('agent@example.com');
  await page.getByLabel('Password').fill('agent-demo-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Find a client' }).waitFor();
  return page;
}

async function openClient(page, query, name) {
  await page.getByLabel('Name or phone').fill(query);
  await page.getByRole('link', { name }).click();
  await page.getByRole('heading', { name, level: 1 }).waitFor();
}

for (const [label, width, height] of [['desktop', 1280, 800], ['phone', 360, 640]]) {
  test(`the client page shows the text opt-out, the next Auto Pay charge and the last reminder (${label})`, async (t) => {
    // Riley answers STOP; Ellis's Civic (paid through 3 days from now) gets its reminder from the job.
    await textUs('+15125550162', 'STOP');
    const page = await signedInPage(t, width, height);

    await openClient(page, 'Riley', 'Riley Chen');
    const riley = page.getByRole('region', { name: 'Texts and Auto Pay' });
    await riley.getByText('Opted out of texts').waitFor();

    await page.goto(`${api.baseUrl}/plus/`);
    await openClient(page, 'Morgan', 'Morgan Lee');
    const morgan = page.getByRole('region', { name: 'Texts and Auto Pay' });
    await morgan.getByText('Receives texts').waitFor();
    assert.match(await morgan.innerText(), /\w{3} \d{1,2}, \d{4}: \$\d+\.\d\d to Mastercard •••• 4444/);

    await page.goto(`${api.baseUrl}/plus/`);
    await openClient(page, 'Ellis', 'Ellis Romero');
    // The page loads once; the job may send after it: reload until the reminder shows.
    await eventually(async () => {
      const text = await page.getByRole('region', { name: 'Texts and Auto Pay' }).innerText();
      if (/Payment reminder:/.test(text)) return true;
      await page.reload();
      await page.getByRole('heading', { name: 'Ellis Romero', level: 1 }).waitFor();
      return false;
    }, { timeoutMs: 15_000, intervalMs: 200 });
    const ellis = await page.getByRole('region', { name: 'Texts and Auto Pay' }).innerText();
    assert.match(ellis, /Payment reminder: \$\d+\.\d\d due by \w{3} \d{1,2} \(2012 Honda Civic\)/);
    assert.match(ellis, /Payment reminder texted .* to \(•••\) •••-0188/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no sideways scrolling');
    await page.screenshot({ path: path.join(artifacts, `texts-${label}.png`), fullPage: true });
  });
}
