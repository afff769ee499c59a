import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chooseLanguage } from '../i18n';
import { PayPage } from './PayPage';

const summary = {
  client_first_name: 'Dana',
  client_short_name: 'Dana W.',
  payer: 'client',
  vehicle_description: '2019 Toyota Camry',
  monitor_days: 14,
  lines: [
    { kind: 'monitoring', description: 'Monitoring, 14 days', amount_cents: 4900 },
    { kind: 'past_due', description: 'Past due balance', amount_cents: 12345 },
    { kind: 'tax', description: 'Tax (8.25%)', amount_cents: 404 },
  ],
  total_due_cents: 17649,
  currency: 'USD',
  expires_at: '2030-01-01T00:00:00Z',
  seconds_left: 540,
  payment_in_progress: false,
  support_phone: '(800) 555-0100',
  language: 'en',
};
const config = { gateway: 'sandbox', company_name: 'Monitoring Services', support_phone: '(800) 555-0100' };
const termsDoc = { version: '2026-12-01', effective_date: '2026-12-01', title: 'Terms of use', html: '<p>Text.</p>' };

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' },
  });

/** The API as the page sees it: the link answers `link`; the terms answer what `terms` gives (by default, at once). */
function serve(link: Response, terms: () => Promise<Response> = async () => json(200, termsDoc)) {
  const requests: { url: string; linkToken: string | null }[] = [];
  vi.stubGlobal('fetch', async (request: Request) => {
    requests.push({ url: request.url, linkToken: request.headers.get('payment-link-token') });
    if (request.url.endsWith('/api/v1/config')) return json(200, config);
    if (request.url.endsWith('/api/v1/terms')) return terms();
    if (request.url.endsWith('/api/v1/payment-link')) return link.clone();
    return json(404, { code: 'not_found' });
  });
  return requests;
}

const input = (label: string, value: string) => fireEvent.input(screen.getByLabelText(label), { target: { value } });

beforeEach(() => {
  sessionStorage.clear();
  history.replaceState(null, '', '/my-account/pay#secret-token');
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the secure payment page', () => {
  it('shows the summary, takes the token out of the address bar and sends it to the API in a header only', async () => {
    const requests = serve(json(200, summary));
    render(<PayPage />);
    expect(await screen.findByText('$176.49')).toBeTruthy();
    expect(screen.getByText('Hi Dana,')).toBeTruthy();
    expect(location.hash).toBe('');
    expect(requests.filter(({ url }) => url.includes('secret-token'))).toEqual([]);
    expect(requests.filter(({ linkToken }) => linkToken !== null)).toEqual([
      { url: `${location.origin}/api/v1/payment-link`, linkToken: 'secret-token' },
    ]);
  });

  it('keeps Make Payment disabled, saying why, until the terms have loaded', async () => {
    let answer: (response: Response) => void = () => {};
    serve(json(200, summary), () => new Promise<Response>((resolve) => (answer = resolve)));
    render(<PayPage termsAccepted />);
    await screen.findByText('$176.49');
    input('Card number', '4242 4242 4242 4242');
    input('Expiry (MM/YY)', '12/30');
    input('Security code', '123');
    input('Billing ZIP code', '78701');
    const pay = screen.getByRole('button', { name: 'Make Payment' }) as HTMLButtonElement;
    expect(pay.disabled).toBe(true);
    expect(screen.getByText('Loading the terms of payment: you can pay once they are here.').id).toBe('pay-hint');
    expect(pay.getAttribute('aria-describedby')).toBe('pay-hint');
    answer(json(200, termsDoc));
    await waitFor(() => expect(pay.disabled).toBe(false));
    expect(screen.queryByText(/Loading the terms/)).toBeNull();
  });

  it('offers to load the terms again when they failed, and pays with the version loaded', async () => {
    const termsAnswers = [json(503, { code: 'service_unavailable' }), json(200, termsDoc)];
    serve(json(200, summary), async () => termsAnswers.shift() ?? json(200, termsDoc));
    const fetchRest = globalThis.fetch;
    const redeems: string[] = [];
    vi.stubGlobal('fetch', async (request: Request) => {
      if (request.url.endsWith('/api/v1/sandbox/tokenize')) return json(200, { payment_token: 'tok_sbx_ok_visa_4242_122030_ab12' });
      if (request.url.endsWith('/redeem')) {
        redeems.push(await request.text());
        return json(202, { payment_id: 'p1', status: 'held_for_review', amount_cents: 17649, currency: 'USD' });
      }
      return fetchRest(request);
    });
    render(<PayPage termsAccepted />);
    await screen.findByText('$176.49');
    const failed = await screen.findByText('The terms of payment could not be loaded, so you cannot pay yet. Nothing was charged.');
    expect(failed.getAttribute('role')).toBe('status');
    const pay = screen.getByRole('button', { name: 'Make Payment' }) as HTMLButtonElement;
    expect(pay.disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Load the terms again' }));
    await waitFor(() => expect(pay.disabled).toBe(false));
    expect(screen.queryByRole('button', { name: 'Load the terms again' })).toBeNull();
    input('Card number', '4242 4242 4242 4242');
    input('Expiry (MM/YY)', '12/30');
    input('Security code', '123');
    input('Billing ZIP code', '78701');
    fireEvent.click(pay);
    await waitFor(() => expect(redeems).toHaveLength(1));
    expect(JSON.parse(redeems[0] ?? '{}')).toMatchObject({ accept_terms: true, terms_version: '2026-12-01' });
  });

  it('keeps the terms ticked in the HTML before the script ran', async () => {
    serve(json(200, summary));
    render(<PayPage termsAccepted />);
    await screen.findByText('$176.49');
    expect((screen.getByRole('checkbox', { name: /I accept the terms/ }) as HTMLInputElement).checked).toBe(true);
    input('Card number', '4242 4242 4242 4242');
    input('Expiry (MM/YY)', '12/30');
    input('Security code', '123');
    input('Billing ZIP code', '78701');
    expect((screen.getByRole('button', { name: 'Make Payment' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('marks Make Payment unavailable (never disabled) until the terms are accepted and the card is valid', async () => {
    serve(json(200, summary));
    render(<PayPage />);
    await screen.findByText('$176.49');
    const pay = screen.getByRole('button', { name: 'Make Payment' }) as HTMLButtonElement;
    const terms = screen.getByRole('checkbox', { name: /I accept the terms/ });
    expect(pay.getAttribute('aria-disabled')).toBe('true');

    input('Card number', '4242 4242 4242 4242');
    input('Expiry (MM/YY)', '12/30');
    input('Security code', '123');
    input('Billing ZIP code', '78701');
    expect(pay.getAttribute('aria-disabled')).toBe('true'); // terms not accepted yet

    fireEvent.click(terms);
    expect(pay.getAttribute('aria-disabled')).toBe(null);

    input('Card number', '4242 4242 4242 4241'); // fails the Luhn check
    expect(pay.getAttribute('aria-disabled')).toBe('true');
    input('Card number', '4242 4242 4242 4242');
    input('Security code', '12');
    expect(pay.getAttribute('aria-disabled')).toBe('true');
    input('Security code', '1234');
    expect(pay.getAttribute('aria-disabled')).toBe(null);

    fireEvent.click(terms);
    expect(pay.getAttribute('aria-disabled')).toBe('true');
  });

  it('paying with something missing shows the errors and focuses the first field at fault', async () => {
    serve(json(200, summary));
    render(<PayPage termsAccepted />);
    await screen.findByText('$176.49');
    const pay = screen.getByRole('button', { name: 'Make Payment' }) as HTMLButtonElement;
    expect(pay.disabled).toBe(false);
    input('Card number', '4242 4242 4242 4242');
    fireEvent.click(pay);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Expiry (MM/YY)')));
    expect(screen.getAllByRole('alert').map((e) => e.textContent).join(' ')).toMatch(/expiry/i);
  });

  it('a payment held for review tells the payer not to pay again and whom to call', async () => {
    serve(json(200, summary));
    const fetchLink = globalThis.fetch;
    vi.stubGlobal('fetch', async (request: Request) => {
      if (request.url.endsWith('/api/v1/sandbox/tokenize')) return json(200, { payment_token: 'tok_sbx_ok_visa_4242_122030_ab12' });
      if (request.url.endsWith('/redeem')) {
        return json(202, { payment_id: 'p1', status: 'held_for_review', amount_cents: 17649, currency: 'USD' });
      }
      return fetchLink(request);
    });
    render(<PayPage termsAccepted />);
    await screen.findByText('$176.49');
    input('Card number', '4242 4242 4242 4242');
    input('Expiry (MM/YY)', '12/30');
    input('Security code', '123');
    input('Billing ZIP code', '78701');
    fireEvent.click(screen.getByRole('button', { name: 'Make Payment' }));
    const dialog = await screen.findByRole('dialog', { name: 'Payment Under Review' });
    expect(dialog.textContent).toMatch(/do not pay again/);
    expect(dialog.textContent).toMatch(/\(800\) 555-0100/);
  });

  it('after a lost answer, confirms by the link and asks again with the same key for the receipt', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const redeems: { key: string | null; body: string }[] = [];
    let paid = false;
    vi.stubGlobal('fetch', async (request: Request) => {
      const url = request.url;
      if (url.endsWith('/api/v1/config')) return json(200, config);
      if (url.endsWith('/api/v1/terms')) return json(200, termsDoc);
      if (url.endsWith('/api/v1/sandbox/tokenize')) return json(200, { payment_token: 'tok_sbx_ok_visa_4242_122030_ab12' });
      if (url.endsWith('/redeem')) {
        redeems.push({ key: request.headers.get('idempotency-key'), body: await request.text() });
        paid = true; // the first request reached the API; only its answers are lost
        if (redeems.length <= 3) throw new TypeError('Failed to fetch');
        return json(200, { payment_id: 'p1', status: 'succeeded', amount_cents: 17649, currency: 'USD', invoice_number: 1042 });
      }
      if (url.endsWith('/api/v1/payment-link')) {
        return paid
          ? json(410, { type: 'about:blank', title: 'Link used', status: 410, detail: 'used', code: 'link_used' })
          : json(200, summary);
      }
      return json(404, { code: 'not_found' });
    });
    try {
      render(<PayPage />);
      await screen.findByText('$176.49');
      input('Card number', '4242 4242 4242 4242');
      input('Expiry (MM/YY)', '12/30');
      input('Security code', '123');
      input('Billing ZIP code', '78701');
      fireEvent.click(screen.getByRole('checkbox', { name: /I accept the terms/ }));
      fireEvent.click(screen.getByRole('button', { name: 'Make Payment' }));
      await vi.advanceTimersByTimeAsync(3000); // the network retries give up: confirming
      expect(redeems).toHaveLength(3);
      await vi.advanceTimersByTimeAsync(3000); // the link says it is paid
      const dialog = await screen.findByRole('dialog', { name: 'Payment Complete' });
      expect(dialog.textContent).toContain('1042');
      expect(redeems).toHaveLength(4);
      expect(new Set(redeems.map((r) => r.key)).size).toBe(1);
      expect(new Set(redeems.map((r) => r.body)).size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('tells a payer who is not the client whose account they pay, not "Hi Dana"', async () => {
    serve(json(200, { ...summary, payer: 'third_party' }));
    render(<PayPage />);
    expect(await screen.findByText("You're paying for Dana W.")).toBeTruthy();
    expect(screen.queryByText('Hi Dana,')).toBeNull();
  });

  it('ends an out-of-date link with its own pop-up, a new link to ask for, and the support number', async () => {
    serve(json(409, { type: 'about:blank', title: 'Link outdated', status: 409, detail: 'x', code: 'link_outdated' }));
    render(<PayPage />);
    const dialog = await screen.findByRole('dialog', { name: 'Link Out of Date' });
    expect(dialog.textContent).toContain('Nothing was charged');
    expect(dialog.textContent).toContain('(800) 555-0100');
    expect(screen.getByRole('button', { name: 'Text me a new link' })).toBeTruthy();
    await waitFor(() => expect(document.title).toContain('Link Out of Date'));
  });

  it.each([
    ['link_used', 'Already Paid'],
    ['link_revoked', 'Link Cancelled'],
    ['link_expired', 'Link Expired'],
  ])('answers %s with the %s pop-up', async (code, title) => {
    serve(json(410, { type: 'about:blank', title, status: 410, detail: code, code }));
    render(<PayPage />);
    const dialog = await screen.findByRole('dialog', { name: title });
    expect(dialog.textContent).toContain('(800) 555-0100');
  });

  it('shows the receipt in Payment Complete, with a View receipt link that carries the reference in the fragment', async () => {
    serve(json(200, summary));
    const fetchLink = globalThis.fetch;
    vi.stubGlobal('fetch', async (request: Request) => {
      if (request.url.endsWith('/api/v1/sandbox/tokenize')) return json(200, { payment_token: 'tok_sbx_ok_visa_4242_122030_ab12' });
      if (request.url.endsWith('/redeem')) {
        return json(200, { payment_id: 'p1', status: 'succeeded', amount_cents: 17649, currency: 'USD', receipt: receiptSummary });
      }
      return fetchLink(request);
    });
    render(<PayPage termsAccepted />);
    await screen.findByText('$176.49');
    input('Card number', '4242 4242 4242 4242');
    input('Expiry (MM/YY)', '12/30');
    input('Security code', '123');
    input('Billing ZIP code', '78701');
    fireEvent.click(screen.getByRole('button', { name: 'Make Payment' }));
    const dialog = await screen.findByRole('dialog', { name: 'Payment Complete' });
    expect(dialog.textContent).toContain('R-2026-000123');
    expect(dialog.textContent).toContain('Nov 30, 2026, 9:30 PM CST');
    expect(dialog.textContent).toContain('Visa •••• 4242');
    expect(dialog.textContent).toContain('Dec 13, 2026');
    const view = screen.getByRole('link', { name: 'View receipt' });
    expect(view.getAttribute('href')).toMatch(/\/receipt#ref-secret$/);
  });

  it('reopening a paid link shows its receipt', async () => {
    serve(json(410, { type: 'about:blank', title: 'Link used', status: 410, detail: 'used', code: 'link_used', receipt }));
    render(<PayPage />);
    expect(await screen.findByText('This link has been paid. Here is your receipt.')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Monitoring Services receipt R-2026-000123' })).toBeTruthy();
    expect(screen.getByText('Phone (•••) •••-0143')).toBeTruthy();
    expect(screen.getByText('Total Paid')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Print receipt' })).toBeTruthy();
  });
});

const receiptSummary = {
  receipt_id: 'r1',
  receipt_number: 'R-2026-000123',
  receipt_reference: 'ref-secret',
  issued_at: '2026-12-01T03:30:00Z',
  local_date: '2026-11-30',
  local_time: '21:30',
  time_zone: 'America/Chicago',
  time_zone_abbreviation: 'CST',
  card_brand: 'visa',
  card_last4: '4242',
  total_cents: 17649,
  currency: 'USD',
  vehicles: [{ vehicle_id: 'v1', description: '2019 Toyota Camry', paid_through: '2026-12-13' }],
};

const receipt = {
  id: 'r1',
  receipt_number: 'R-2026-000123',
  payment_id: 'p1',
  invoice_number: 1002,
  issued_at: '2026-12-01T03:30:00Z',
  issued_at_local: '2026-11-30T21:30:00-06:00',
  local_date: '2026-11-30',
  local_time: '21:30',
  time_zone: 'America/Chicago',
  time_zone_abbreviation: 'CST',
  location_name: 'Austin Central',
  payer: { kind: 'third_party', phone_masked: '(•••) •••-0143' },
  card_brand: 'visa',
  card_last4: '4242',
  lines: summary.lines,
  total_cents: 17649,
  currency: 'USD',
  refunds: [],
  vehicles: [{ vehicle_id: 'v1', description: '2019 Toyota Camry', paid_through: '2026-12-13' }],
};

describe('the secure payment page in Spanish', () => {
  afterEach(() => chooseLanguage('en')); // the language shown is the module's: back to English for the next test

  it("opens in the link's language and switches in place, keeping what was typed and ticked", async () => {
    serve(json(200, { ...summary, language: 'es' }));
    render(<PayPage />);
    expect(await screen.findByText('Hola, Dana:')).toBeTruthy();
    expect(screen.getByText('Monitoreo, 14 días')).toBeTruthy();
    expect(screen.getByText('Saldo vencido')).toBeTruthy();
    expect(screen.getByText('Impuesto (8.25%)')).toBeTruthy();
    expect(screen.getByText('Total a pagar')).toBeTruthy();
    expect(document.documentElement.lang).toBe('es');
    input('Número de tarjeta', '4242 4242 4242 4242');
    fireEvent.click(screen.getByRole('checkbox', { name: /Acepto los términos/ }));
    expect(
      await screen.findByText('Para pagar, escriba la fecha de vencimiento, el código de seguridad y el código postal de facturación.'),
    ).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'English' }));
    expect(await screen.findByText('Hi Dana,')).toBeTruthy();
    expect(screen.getByText('Total Due Amount')).toBeTruthy();
    expect(document.documentElement.lang).toBe('en');
    expect(screen.getByText('To pay, enter the expiry date, the security code and the billing ZIP code.')).toBeTruthy();
    expect((screen.getByLabelText('Card number') as HTMLInputElement).value).toBe('4242 4242 4242 4242');
    expect((screen.getByRole('checkbox', { name: /I accept the terms/ }) as HTMLInputElement).checked).toBe(true);
    expect(sessionStorage.getItem('myaccount.language')).toBe('en');
  });
});
