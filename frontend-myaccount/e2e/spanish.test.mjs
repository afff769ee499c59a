// Issue 19, item 6: a client who reads Spanish sees My Account and the secure payment page in Spanish, and the
// English / Español switch rewrites the page in place (no reload, nothing typed is lost). Phone size (360×640).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, launch, phonePage, shot, startApi } from './helpers.mjs';

// The demo's Spanish client (api/src/seed.rs, README).
const LUCIA = '00000000-0000-4000-8000-000000000105';
const LUCIA_SILVERADO = '00000000-0000-4000-8000-000000000206';
const LUCIA_LOGIN = { email: 'lucia@example.com', password: 'cliente-demo-1' };
const LUCIA_PHONE = '+15125550119';

// Spanish month abbreviations as the page writes them ("12 de dic. de 2026"), written out here rather than
// asked of Intl, so the test does not check the page against itself.
const MONTHS = ['ene', 'feb', 'mar', 'abr', 'may', 'jun', 'jul', 'ago', 'sept', 'oct', 'nov', 'dic'];
const spanishDate = (isoDate) => {
  const [year, month, day] = isoDate.split('-').map(Number);
  return `${day} de ${MONTHS[month - 1]}. de ${year}`;
};

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

const post = async (path, body, headers = {}) => {
  const response = await fetch(`${api.baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
};

/** Lucía's vehicle as the API has it (its paid-through day is a business date: written as it is). */
async function luciasVehicle() {
  const { body } = await post('/auth/client/login', LUCIA_LOGIN);
  const me = await fetch(`${api.baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
  const client = await me.json();
  assert.equal(client.language, 'es', 'the demo client reads Spanish');
  return client.vehicles.find((v) => v.id === LUCIA_SILVERADO);
}

const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);

test('Lucía signs in and reads My Account in Spanish; the switch changes the language in place and keeps her typing', async () => {
  const vehicle = await luciasVehicle();
  const page = await phonePage(browser);
  await page.goto(`${api.baseUrl}/my-account/`);
  await page.getByLabel('Email').fill(LUCIA_LOGIN.email);
  await page.getByLabel('Password').fill(LUCIA_LOGIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  // Her language comes with /me: the page turns Spanish without her doing anything.
  await page.getByRole('heading', { level: 1, name: 'Pago' }).waitFor();
  await page.getByRole('tab', { name: 'Hacer un pago' }).waitFor();
  await page.getByText('Total a pagar').waitFor();
  await eventually(async () => (await htmlLang(page)) === 'es');
  await eventually(async () => (await page.title()) === 'Hacer un pago – My Account');
  const summary = await page.locator('.summary').innerText();
  assert.match(summary, /Resumen del pago/);
  assert.match(summary, /Monitoreo, 14 días\s+\$\d+\.\d\d/);
  assert.match(summary, /Impuesto \(8\.25%\)\s+\$\d+\.\d\d/);
  assert.match(summary, /Total a pagar\s+\$\d{1,3}(,\d{3})*\.\d\d/);
  const paidThrough = spanishDate(vehicle.paid_through);
  assert.match(paidThrough, /^\d{1,2} de [a-z]+\. de \d{4}$/);
  await page.getByText(`Pagado hasta el ${paidThrough}`).waitFor();
  await page.getByRole('button', { name: /^Pagar \$/ }).waitFor();
  await shot(page, '40-spanish-make-payment');

  // Something typed in two forms, and a mark on the window that a reload would wipe.
  await page.getByLabel('Número de tarjeta').fill('4242 4242 4242 4242');
  await page.getByLabel('Su número de celular').fill('5125550143');
  await page.evaluate(() => {
    window.notReloaded = true;
  });

  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Payment' }).waitFor();
  await page.getByRole('tab', { name: 'Make a Payment' }).waitFor();
  await page.getByText('Total Due Amount').waitFor();
  await page.getByText(/^Monitoring, 14 days$/).waitFor();
  await eventually(async () => (await htmlLang(page)) === 'en');
  assert.equal(await page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByLabel('Card number').inputValue(), '4242 4242 4242 4242');
  assert.equal(await page.getByLabel('Their mobile number').inputValue(), '5125550143');
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'no reload');

  await page.getByRole('button', { name: 'Español' }).click();
  await page.getByRole('heading', { level: 1, name: 'Pago' }).waitFor();
  await eventually(async () => (await htmlLang(page)) === 'es');
  assert.equal(await page.getByLabel('Número de tarjeta').inputValue(), '4242 4242 4242 4242');
  assert.equal(await page.getByLabel('Su número de celular').inputValue(), '5125550143');
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'no reload');

  // Account Information, in Spanish too.
  await page.getByRole('link', { name: 'Información de la cuenta' }).click();
  await page.getByRole('heading', { level: 1, name: 'Información de la cuenta' }).waitFor();
  await page.getByRole('heading', { name: 'Vehículos' }).waitFor();
  await page.getByText(`Pagado hasta el ${paidThrough}`).waitFor();
  await page.getByRole('heading', { name: 'Tarjetas registradas' }).waitFor();
  await shot(page, '41-spanish-account-information');

  // The choice is kept for the tab: English chosen, a reload stays English though Lucía's language is Spanish.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Account Information' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Vehicles' }).waitFor();
  assert.equal(await htmlLang(page), 'en');
  await page.close();
});

test('a payment link for Lucía opens in Spanish, and a declined card is explained in Spanish', async () => {
  const staff = await post('/auth/staff/login', { email: 'agent@example.com', password: 'agent-demo-1' });
  const sentBefore = api.smsTokens().length;
  const sent = await post(
    '/payment-links',
    { client_id: LUCIA, vehicle_id: LUCIA_SILVERADO, monitor_days: 14, phone: LUCIA_PHONE },
    { authorization: `Bearer ${staff.body.access_token}`, 'idempotency-key': crypto.randomUUID() },
  );
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  await eventually(() => api.smsTokens().length > sentBefore);

  const page = await phonePage(browser);
  await page.goto(`${api.baseUrl}/my-account/pay#${api.lastSmsToken()}`);
  await page.getByText('Hola, Lucía:').waitFor();
  await page.getByRole('heading', { level: 1, name: 'Pago seguro' }).waitFor();
  await eventually(async () => (await htmlLang(page)) === 'es');
  await eventually(async () => (await page.title()).startsWith('Pago seguro'));
  await page.getByText('2018 Chevrolet Silverado: monitoreo por 14 días.').waitFor();
  const summary = await page.locator('.summary').innerText();
  assert.match(summary, /Resumen del pago[\s\S]*Monitoreo, 14 días[\s\S]*Impuesto \(8\.25%\)[\s\S]*Total a pagar\s+\$\d+\.\d\d/);
  await page.getByText('Tiempo para pagar:').waitFor();
  await shot(page, '42-spanish-pay-page');

  await page.getByLabel('Número de tarjeta').fill('4000 0000 0000 0002');
  await page.getByLabel('Vencimiento (MM/AA)').fill('12/30');
  await page.getByLabel('Código de seguridad').fill('123');
  await page.getByLabel('Código postal de facturación').fill('78701');
  await page.getByRole('checkbox', { name: /Acepto los términos de pago/ }).check();
  await page.getByRole('button', { name: 'Hacer el pago' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'rechazada' });
  await alert.getByText('La tarjeta fue rechazada. No se cobró nada. Pruebe con otra tarjeta.').waitFor();
  await page.getByRole('button', { name: 'Probar otra tarjeta' }).waitFor();
  await shot(page, '43-spanish-pay-declined');

  // The same message, in English once switched: the page keeps what happened, not its words.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByText('The card was declined. Nothing was charged. Try another card.').waitFor();
  await page.getByRole('button', { name: 'Try another card' }).waitFor();
  assert.equal(await page.getByLabel('Card number').inputValue(), '4000 0000 0000 0002', 'the card number is kept');
  await page.close();
});
