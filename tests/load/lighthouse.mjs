// Lighthouse (mobile, its default simulated throttling) for pages of a running API, without Puppeteer:
// Playwright launches Debian Chromium with a remote-debugging port and Lighthouse's Node API connects to
// it. Pages behind the My Account login get the client's session token through a Playwright init
// script, which sets sessionStorage before the app's own scripts run in every page of the browser
// context, including the tab Lighthouse opens (Playwright auto-attaches to it).
//
// usage: node lighthouse.mjs <json: [{name, url, session_token?, expect_api}]>
// Prints one JSON line per page: {name, performance, accessibility, lcp_ms, fcp_ms, api_ok, lcp_element}.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';

const TOKEN_KEY = 'myaccount.token'; // frontend-myaccount/src/api/client.ts

const pages = JSON.parse(process.argv[2] ?? '[]');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function audit(page) {
  const port = await freePort();
  const profile = mkdtempSync(path.join(tmpdir(), 'lh-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: false, // the flags below choose the new headless mode themselves
    args: ['--headless=new', '--no-sandbox', `--remote-debugging-port=${port}`],
  });
  try {
    if (page.session_token) {
      await context.addInitScript(
        ({ key, token }) => {
          try {
            sessionStorage.setItem(key, token);
          } catch {
            // about:blank and other opaque origins have no storage; nothing to sign in there.
          }
        },
        { key: TOKEN_KEY, token: page.session_token },
      );
    }
    const result = await lighthouse(page.url, {
      port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility'],
      formFactor: 'mobile',
      // Keeps the session token the init script set; the profile is new for every page anyway.
      disableStorageReset: true,
    });
    const lhr = result.lhr;
    const requests = lhr.audits['network-requests']?.details?.items ?? [];
    const apiOk = requests.some(
      (r) => r.url.includes(page.expect_api) && r.statusCode >= 200 && r.statusCode < 300,
    );
    const lcpItems = lhr.audits['largest-contentful-paint-element']?.details?.items ?? [];
    const lcpNode = lcpItems.flatMap((i) => i.items ?? [i]).find((i) => i.node)?.node;
    return {
      name: page.name,
      performance: Math.round((lhr.categories.performance.score ?? 0) * 100),
      accessibility: Math.round((lhr.categories.accessibility.score ?? 0) * 100),
      lcp_ms: Math.round(lhr.audits['largest-contentful-paint'].numericValue),
      fcp_ms: Math.round(lhr.audits['first-contentful-paint'].numericValue),
      api_ok: apiOk,
      lcp_element: lcpNode?.snippet?.slice(0, 80) ?? null,
      failed_a11y: Object.values(lhr.audits)
        .filter((a) => lhr.categories.accessibility.auditRefs.some((r) => r.id === a.id && r.weight > 0))
        .filter((a) => a.score !== null && a.score < 1)
        .map((a) => a.id),
      runtime_error: lhr.runtimeError?.code ?? null,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

for (const page of pages) {
  console.log(JSON.stringify(await audit(page)));
}
