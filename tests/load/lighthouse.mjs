// Lighthouse (mobile, its default simulated throttling) for pages of a running API, without Puppeteer:
// Playwright launches Debian Chromium with a remote-debugging port and Lighthouse's Node API connects to
// it. Pages behind the My Account login get the client's session token through a Playwright init
// script, which sets sessionStorage before the app's own scripts run in every page of the browser
// context, including the tab Lighthouse opens (Playwright auto-attaches to it).
//
// usage: node lighthouse.mjs <json: [{name, url, session_token?, expect_api}]>
// Prints one JSON line per page: {name, performance, accessibility, lcp_ms, fcp_ms, api_ok, protocol, lcp_element,
// lcp_candidates, failed_a11y, runtime_error}.
// LIGHTHOUSE_TRUSTED_SPKI=<base64 SHA-256 of a public key> makes Chromium accept a certificate with that key
// (scripts/page-budgets' throwaway self-signed one for nginx with TLS and HTTP/2), and no other invalid one.
// LIGHTHOUSE_REPORT_DIR=<dir> keeps each page's artifacts and report in <dir>/<page-name>/ (see lantern.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';

const TOKEN_KEY = 'myaccount.token'; // frontend-myaccount/src/api/client.ts

const pages = JSON.parse(process.argv[2] ?? '[]');
const reports = process.env.LIGHTHOUSE_REPORT_DIR;
const slug = (name) => name.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();

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

/**
 * The page's LCP candidates as the browser itself reports them (PerformanceObserver), in a second,
 * unthrottled load at Lighthouse's mobile screen size, like the load Lighthouse observes before it
 * simulates the throttling: Lighthouse 12.2's own largest-contentful-paint-element audit fails on
 * current Chromium (its TraceElements gatherer).
 */
async function lcpCandidates(context, url) {
  const tab = await context.newPage();
  try {
    await tab.setViewportSize({ width: 412, height: 823 });
    await tab.addInitScript(() => {
      window.__lcp = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          window.__lcp.push({
            ms: Math.round(entry.startTime),
            size: entry.size,
            element: entry.element ? entry.element.outerHTML.replace(/\s+/g, ' ').slice(0, 100) : null,
          });
        }
      }).observe({ type: 'largest-contentful-paint', buffered: true });
    });
    await tab.goto(url, { waitUntil: 'networkidle' });
    return await tab.evaluate(() => window.__lcp);
  } finally {
    await tab.close();
  }
}

async function audit(page) {
  const port = await freePort();
  const profile = mkdtempSync(path.join(tmpdir(), 'lh-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: false, // the flags below choose the new headless mode themselves
    args: [
      '--headless=new',
      '--no-sandbox',
      `--remote-debugging-port=${port}`,
      // Chromium honours this only with its own user data dir, which a persistent context has.
      ...(process.env.LIGHTHOUSE_TRUSTED_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.LIGHTHOUSE_TRUSTED_SPKI}`] : []),
    ],
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
      // Gather, save the artifacts (trace, DevTools log) and the report, then audit: lantern.mjs replays them.
      ...(reports && { gatherMode: path.join(reports, slug(page.name)), auditMode: path.join(reports, slug(page.name)) }),
    });
    const lhr = result.lhr;
    const requests = lhr.audits['network-requests']?.details?.items ?? [];
    const apiOk = requests.some(
      (r) => r.url.includes(page.expect_api) && r.statusCode >= 200 && r.statusCode < 300,
    );
    const lcpItems = lhr.audits['largest-contentful-paint-element']?.details?.items ?? [];
    const lcpNode = lcpItems.flatMap((i) => i.items ?? [i]).find((i) => i.node)?.node;
    const candidates = lcpNode ? [] : await lcpCandidates(context, page.url);
    const last = candidates.at(-1);
    return {
      name: page.name,
      performance: Math.round((lhr.categories.performance.score ?? 0) * 100),
      accessibility: Math.round((lhr.categories.accessibility.score ?? 0) * 100),
      lcp_ms: Math.round(lhr.audits['largest-contentful-paint'].numericValue),
      fcp_ms: Math.round(lhr.audits['first-contentful-paint'].numericValue),
      api_ok: apiOk,
      // What the document came over (http/1.1, h2), as Lighthouse recorded it: its simulation models each.
      protocol: requests.find((r) => r.resourceType === 'Document')?.protocol ?? null,
      lcp_element: lcpNode?.snippet?.slice(0, 80) ?? (last ? `${last.element} (${last.size} px²)` : null),
      lcp_candidates: candidates,
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
