// Starts the real API (the debug build at target/debug/payments-api, under
// CARGO_TARGET_DIR when set) on a free
// port against a fresh SQLite database with demo data, serving the built SPAs
// from frontend-plus/dist and frontend-myaccount/dist. Used by both SPAs'
// browser tests. Build first: `cargo build -p payments-api` (or point
// PAYMENTS_API_BIN at a built binary).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = process.env.PAYMENTS_API_BIN
  || path.join(process.env.CARGO_TARGET_DIR ? path.resolve(root, process.env.CARGO_TARGET_DIR) : path.join(root, 'target'), 'debug/payments-api');

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ env?: Record<string, string> }} [options] extra environment (e.g. PAYMENT_LINK_TTL_SECONDS)
 * @returns {Promise<{ baseUrl: string, databasePath: string, stop: () => Promise<void>, smsTokens: () => string[], lastSmsToken: () => string, logs: () => string }>}
 */
export async function startApi(options = {}) {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo build -p payments-api first`);
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'payments-e2e-'));
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${dir}/e2e.db`,
    BIND_ADDRESS: `127.0.0.1:${port}`,
    PUBLIC_BASE_URL: baseUrl,
    JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-e2e',
    SEED_DEMO: 'true',
    LOG_FORMAT: 'json',
    RUST_LOG: 'info',
    // Not Auto Pay: its daily run would charge the demo clients who are due as the server starts (the run time
    // of the day has usually passed), and the tests expect the demo data as seeded.
    SCHEDULER_JOBS: 'status_sync,purge',
    PLUS_DIST: path.join(root, 'frontend-plus/dist'),
    MY_ACCOUNT_DIST: path.join(root, 'frontend-myaccount/dist'),
    ...options.env,
  };
  const child = spawn(binary, ['serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.on('exit', resolve));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited early:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`the API did not become ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const smsTokens = () => [...output.matchAll(/\/my-account\/pay#([A-Za-z0-9_-]{43})/g)].map((m) => m[1]);
  return {
    baseUrl,
    // The SQLite file, for a test that must set up a state no request can make quickly (e.g. 24 hours of failures).
    databasePath: path.join(dir, 'e2e.db'),
    logs: () => output,
    smsTokens,
    lastSmsToken: () => {
      const tokens = smsTokens();
      if (tokens.length === 0) throw new Error('no SMS was printed yet');
      return tokens[tokens.length - 1];
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `predicate()` is truthy (polling), for output the API writes asynchronously. */
export async function eventually(predicate, { timeoutMs = 10_000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Waits until the page's title is `expected` (a string, or a RegExp it must match). The SPAs set titles in an
 * effect, after the render a locator waits for, so a title read right after an action may still be the old one.
 */
export async function titleIs(page, expected, { timeoutMs = 10_000 } = {}) {
  let last = '';
  const ok = (title) => (expected instanceof RegExp ? expected.test(title) : title === expected);
  try {
    await eventually(async () => ok((last = await page.title())), { timeoutMs });
  } catch {
    throw new Error(`page title ${JSON.stringify(last)} is not ${expected}`);
  }
}

/** Launch options for Debian's Chromium (never a downloaded browser). */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
};
