// A payment link paid in the browser through the repository's nginx (the SPA
// image's server block, run with Debian's nginx) in front of the API, as in
// production: the link's token must appear in no proxy or API log. A URL that
// carried the token would land in nginx's access log on every request.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { freePort } from '../../tests/e2e/api-server.mjs';
import { eventually, fillCard, launch, phonePage, sendLink, shot, startApi } from './helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const nginxBinary = process.env.NGINX_PATH || '/usr/sbin/nginx';

let api;
let browser;
let nginx;

/** Starts nginx with the SPA's server block for /my-account, proxying /api/ to `upstream`. */
async function startNginx(upstream) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'payments-nginx-'));
  const html = path.join(dir, 'html');
  mkdirSync(html);
  symlinkSync(path.join(root, 'frontend-myaccount/dist'), path.join(html, 'my-account'));
  const port = await freePort();
  const logs = { access: path.join(dir, 'access.log'), error: path.join(dir, 'error.log') };
  const conf = execFileSync(path.join(root, 'scripts/nginx-local'), [
    '--prefix', dir, '--app-path', '/my-account', '--sign-in-elsewhere', '/api/v1/auth/staff/',
    '--upstream', upstream, '--listen', String(port), '--root', html,
    '--access-log', logs.access, '--error-log', logs.error,
  ], { encoding: 'utf8' });
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child = spawn(nginxBinary, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await eventually(() => {
    if (child.exitCode !== null) throw new Error(`nginx exited:\n${output}`);
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    log: (which) => readFileSync(logs[which], 'utf8'),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

before(async () => {
  // nginx on 127.0.0.1 is the trusted proxy: rate limits count the address it saw.
  api = await startApi({ env: { TRUSTED_PROXY_NETWORKS: '127.0.0.1/32' } });
  nginx = await startNginx(new URL(api.baseUrl).host);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await nginx?.stop();
  await api?.stop();
});

test('a link paid through nginx leaves its token in no proxy or API log', async () => {
  const token = await sendLink(api);
  const page = await phonePage(browser);
  await page.goto(`${nginx.baseUrl}/my-account/pay#${token}`);
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4242 4242 4242 4242');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Make Payment' }).click();
  await page.getByRole('dialog', { name: 'Payment Complete' }).waitFor();
  await shot(page, '08-pay-through-nginx');

  // The requests went through nginx (its log is written when each request ends).
  const access = await eventually(() => {
    const log = nginx.log('access');
    return log.includes('"POST /api/v1/payment-link/redeem HTTP/1.1" 200') ? log : null;
  });
  assert.match(access, /"GET \/api\/v1\/payment-link HTTP\/1.1" 200/);
  assert.match(access, /"GET \/my-account\/pay\/? HTTP\/1.1" 200/);

  assert.equal(access.split(token).length - 1, 0, 'the token is in nginx\'s access log');
  assert.equal(nginx.log('error').split(token).length - 1, 0, 'the token is in nginx\'s error log');
  const apiLines = api.logs().split('\n').filter((line) => line.includes(token));
  assert.equal(apiLines.length, 1, `the token in the API's log: ${apiLines.join('\n')}`);
  assert.match(apiLines[0], /sms_console/, 'only the development console SMS line holds it');
});

test('a receipt opened through nginx by its reference leaves the reference in no proxy or API log', async () => {
  const token = await sendLink(api);
  const page = await phonePage(browser);
  await page.goto(`${nginx.baseUrl}/my-account/pay#${token}`);
  await page.getByText('Total Due Amount').waitFor();
  await fillCard(page, '4242 4242 4242 4242');
  await page.getByRole('checkbox', { name: /I accept the terms/ }).check();
  await page.getByRole('button', { name: 'Make Payment' }).click();
  const dialog = page.getByRole('dialog', { name: 'Payment Complete' });
  await dialog.waitFor();
  const view = dialog.getByRole('link', { name: 'View receipt' });
  const reference = (await view.getAttribute('href')).split('#')[1];
  assert.match(reference, /^[A-Za-z0-9_-]{43}$/);
  await view.click();
  await page.getByRole('article').waitFor();
  await shot(page, '08b-receipt-through-nginx');

  const access = await eventually(() => {
    const log = nginx.log('access');
    return log.includes('"GET /api/v1/receipt HTTP/1.1" 200') ? log : null;
  });
  assert.match(access, /"GET \/my-account\/receipt\/? HTTP\/1.1" 200/);
  assert.equal(access.split(reference).length - 1, 0, 'the reference is in nginx\'s access log');
  assert.equal(nginx.log('error').split(reference).length - 1, 0, 'the reference is in nginx\'s error log');
  // The receipt's text to the payer carries it: only the development console SMS line (the payer's phone
  // here) may hold it, as for a link's token above.
  const apiLines = api.logs().split('\n').filter((line) => line.includes(reference));
  assert.ok(apiLines.every((line) => /sms_console/.test(line)), `the reference in the API's log: ${apiLines.join('\n')}`);
});
