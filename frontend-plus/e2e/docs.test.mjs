// The API reference at /docs (the API's own page, not PLUS Web's, tested here
// because this is the browser suite that runs against the real API): Scalar's
// viewer, served by the API from its pinned copy, renders the spec in Debian's
// headless Chromium with no Content-Security-Policy violation and without a
// single request to another origin (fonts, telemetry, a CDN).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, startApi } from '../../tests/e2e/api-server.mjs';

const artifacts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/artifacts/docs');
mkdirSync(artifacts, { recursive: true });

let api;
let browser;

before(async () => {
  api = await startApi();
  browser = await chromium.launch(chromiumLaunchOptions);
});

after(async () => {
  await browser?.close();
  await api?.stop();
});

test('the API reference renders from the API alone, within its CSP', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // Injected through the DevTools protocol, so the page's CSP does not apply to it.
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const problems = [];
  const otherOrigins = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  // Requests the CSP blocks are reported here too, before they are refused.
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.origin !== api.baseUrl) otherOrigins.push(request.url());
  });

  await page.goto(`${api.baseUrl}/docs`);
  try {
    await page.getByRole('heading', { name: 'Secure Payments API', level: 1 }).waitFor({ timeout: 20_000 });
    await page.getByRole('heading', { name: 'Public settings for the SPAs (no secrets).' }).waitFor();
  } catch (error) {
    const seen = `requests to other origins: ${otherOrigins.join(', ') || 'none'}; problems: ${problems.join(' | ') || 'none'}`;
    throw new Error(`the API reference did not render (${seen})`, { cause: error });
  }
  // Styled: the viewer injects its stylesheet at run time, which the CSP must let apply.
  const rules = await page.evaluate(() => document.getElementById('scalar-style')?.sheet?.cssRules.length ?? 0);
  assert.ok(rules > 0, 'the viewer\'s stylesheet applies');
  await page.screenshot({ path: path.join(artifacts, 'docs.png') });

  assert.deepEqual(await page.evaluate(() => window.cspViolations), [], 'CSP violations');
  assert.deepEqual(problems, [], 'console errors, page errors, failed requests');
  assert.deepEqual(otherOrigins, [], 'requests to another origin');
  await context.close();
});
