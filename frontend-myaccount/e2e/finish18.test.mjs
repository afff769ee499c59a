// Issue 18's Auto Pay switch at 360×640: turning Auto Pay off asks first, in the page (never the browser's
// confirm()), says which card and which charge stop, takes focus and gives it back to the switch; and where Auto
// Pay stands is said once (the status line), not twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, getAsDana, launch, phonePage, shot, signInAsDana, startApi } from './helpers.mjs';

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

/** Dana's Auto Pay as the API says it (`get_my_autopay`). */
async function myAutopay() {
  return getAsDana(api, '/me/autopay');
}

const monthDay = (day) =>
  new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));

/** The focused element's accessible text (its label or content). */
const focused = (page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    return element ? `${element.getAttribute('role') ?? element.tagName.toLowerCase()}: ${element.textContent?.trim()}` : '';
  });

test('turning Auto Pay off asks in the page, names the card and the charge that stop, and returns focus (360 px)', async () => {
  const page = await phonePage(browser);
  const browserDialogs = [];
  page.on('dialog', (dialog) => {
    browserDialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await signInAsDana(page, api.baseUrl);
  await page.getByRole('link', { name: 'Account Information' }).click();
  const section = page.locator('section', { has: page.getByRole('heading', { name: 'Auto Pay', level: 2 }) });
  const autopaySwitch = section.getByRole('switch', { name: 'Auto Pay' });
  await section.getByText('Auto Pay is off.', { exact: true }).waitFor();

  // On: the status line says it, once.
  await autopaySwitch.click();
  await section.getByText(/^Auto Pay is on with Visa ending 4242\.$/).waitFor();
  assert.equal(await section.getByText(/Auto Pay is on/).count(), 1, 'one line says Auto Pay is on');
  assert.equal(await autopaySwitch.getAttribute('aria-checked'), 'true');

  // Off asks first, naming the card and the next charge from the API.
  const next = (await myAutopay()).next_charge;
  assert.ok(next, 'the demo Camry has an Auto Pay charge coming');
  await autopaySwitch.click();
  const ask = page.getByRole('alertdialog', { name: 'Turn off Auto Pay?' });
  await ask.waitFor();
  assert.equal(
    await ask.locator('#autopay-off-what').innerText(),
    `Auto Pay will not charge Visa ending 4242 on ${monthDay(next.date)}; you will need to pay yourself.`,
  );
  await eventually(async () => (await focused(page)) === 'button: Keep Auto Pay on');
  await shot(page, '50-finish18-autopay-off-confirm');

  // Keeping it on changes nothing and gives focus back to the switch.
  await ask.getByRole('button', { name: 'Keep Auto Pay on' }).click();
  await ask.waitFor({ state: 'detached' });
  await eventually(async () => (await focused(page)) === 'switch: Auto Pay');
  assert.equal(await autopaySwitch.getAttribute('aria-checked'), 'true');
  assert.equal((await myAutopay()).autopay_enabled, true);

  // Escape answers "keep" too.
  await autopaySwitch.click();
  await ask.waitFor();
  await eventually(async () => (await focused(page)) === 'button: Keep Auto Pay on');
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'detached' });
  await eventually(async () => (await focused(page)) === 'switch: Auto Pay');
  assert.equal((await myAutopay()).autopay_enabled, true);

  // Turning it off does, says so once, and focus is back on the switch.
  await autopaySwitch.click();
  await ask.getByRole('button', { name: 'Turn off Auto Pay' }).click();
  await section.getByText('Auto Pay is off.', { exact: true }).waitFor();
  await eventually(async () => (await autopaySwitch.getAttribute('aria-checked')) === 'false');
  await eventually(async () => (await focused(page)) === 'switch: Auto Pay');
  assert.equal(await section.getByText('Auto Pay is off.', { exact: true }).count(), 1, 'one line says Auto Pay is off');
  assert.equal((await myAutopay()).autopay_enabled, false);
  assert.deepEqual(browserDialogs, [], 'no browser confirm()');
  await shot(page, '51-finish18-autopay-off');
  await page.context().close();
});
