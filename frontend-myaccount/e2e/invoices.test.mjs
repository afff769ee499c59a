// Account Information's invoice table, on a phone (360 px and 320 px): the day each invoice was issued in words, on
// the location's calendar (the kit's business-date formatter, as every other date of My Account), its status in
// words (Paid, Open), both in English and in Spanish, and no cell past the window's right edge.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, getAsDana, launch, shot, signInAsDana, startApi } from './helpers.mjs';

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

/** Dana's invoices as the API lists them, with the day each was issued in Austin (`YYYY-MM-DD`). */
async function danasInvoices() {
  const austinDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' });
  return (await getAsDana(api, '/me/invoices')).map((invoice) => ({ ...invoice, day: austinDay.format(new Date(invoice.issued_at)) }));
}

const englishDate = (day) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
const STATUS = { en: { paid: 'Paid', open: 'Open', void: 'Void' }, es: { paid: 'Pagada', open: 'Abierta', void: 'Anulada' } };

/** The invoice table's rows as the client reads them, one array of cell texts per invoice. */
const rows = (page) => page.locator('table.invoices tbody tr').evaluateAll((trs) =>
  trs.filter((tr) => tr.cells.length === 4).map((tr) => [...tr.cells].map((cell) => cell.innerText.trim())));

/** The cells of the invoice table that end past `width` px. */
const cellsPast = (page, width) => page.locator('table.invoices').evaluate((table, width) =>
  [...table.querySelectorAll('th, td')].filter((cell) => cell.getBoundingClientRect().right > width + 0.5).map((cell) => cell.innerText), width);

for (const width of [360, 320]) {
  test(`the invoice table shows dates and statuses in words, in English and Spanish, within ${width} px`, async () => {
    const invoices = await danasInvoices();
    assert.ok(invoices.length > 0, 'the demo seeds an invoice for Dana');
    const context = await browser.newContext({ viewport: { width, height: 640 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    try {
      await signInAsDana(page, api.baseUrl);
      await page.getByRole('link', { name: 'Account Information' }).click();
      await page.locator('table.invoices tbody tr').first().waitFor();
      const english = invoices.map((i) => [`#${i.number}`, englishDate(i.day), STATUS.en[i.status], `$${(i.total_cents / 100).toFixed(2)}`]);
      assert.deepEqual(await rows(page), english);
      assert.deepEqual(await cellsPast(page, width), []);
      await shot(page, `60-invoices-en-${width}`);

      await page.getByRole('button', { name: 'Español' }).click();
      await page.getByRole('heading', { name: 'Facturas' }).waitFor();
      await eventually(async () => (await rows(page))[0]?.[2] === STATUS.es[invoices[0].status]);
      const spanish = await rows(page);
      invoices.forEach((invoice, n) => {
        const [year, , day] = invoice.day.split('-');
        assert.match(spanish[n][1], new RegExp(`^${Number(day)} de [a-z]{3,4}\\. de ${year}$`));
        assert.equal(spanish[n][2], STATUS.es[invoice.status]);
      });
      assert.deepEqual(await cellsPast(page, width), []);
      await shot(page, `61-invoices-es-${width}`);
    } finally {
      await context.close();
    }
  });
}
