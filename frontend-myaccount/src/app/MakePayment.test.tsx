import { cleanup, fireEvent, waitFor, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MakePayment } from './MakePayment';

const me = {
  id: '00000000-0000-4000-8000-000000000103', first_name: 'Morgan', last_name: 'Lee', phone: '+15125550104',
  email: 'morgan@example.com', plan_days: 14, autopay_enabled: false, autopay_card_id: null, language: 'en',
  location: {
    id: '00000000-0000-4000-8000-000000000001', name: 'Austin Central', accepts_payments: true, tax_rate_ppm: 82500,
    daily_rate_cents: 350, price_14_cents: null, price_30_cents: 9500, time_zone: 'America/Chicago',
  },
  vehicles: [{ id: '00000000-0000-4000-8000-000000000204', description: '2018 Subaru Outback', plate: null,
    device_serial: 'IID-1', paid_through: '2026-12-01' }],
  next_vehicle_id: '00000000-0000-4000-8000-000000000204',
  cards: [{ id: '00000000-0000-4000-8000-000000000302', brand: 'mastercard', last4: '4444', exp_month: 12, exp_year: 2030 }],
  past_due_cents: 0, credit_cents: 10000, currency: 'USD',
};
const config = { gateway: 'sandbox', company_name: 'Monitoring Services', support_phone: '(800) 555-0100' };

function quote(credit: number, paidThrough: string | null = '2026-12-01') {
  const total = Math.max(5304 - credit, 0);
  return {
    client_id: me.id, vehicle_id: me.vehicles[0]?.id, vehicle_description: '2018 Subaru Outback', monitor_days: 14,
    paid_through: paidThrough,
    currency: 'USD', subtotal_cents: 4900, tax_cents: 404, past_due_cents: 0, credit_cents: Math.min(credit, 5304),
    total_due_cents: total, covered_by_credit: total === 0,
    lines: [
      { kind: 'monitoring', description: 'Monitoring, 14 days', amount_cents: 4900 },
      { kind: 'past_due', description: 'Past due balance', amount_cents: 0 },
      { kind: 'tax', description: 'Tax (8.25%)', amount_cents: 404 },
      { kind: 'credit', description: 'Credit', amount_cents: -Math.min(credit, 5304) },
    ],
  };
}

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

function serve(summary: unknown, client: unknown = me) {
  const asked: string[] = [];
  vi.stubGlobal('fetch', async (request: Request) => {
    const path = new URL(request.url).pathname;
    asked.push(`${request.method} ${path.replace(/^.*\/api\/v1/, '')}`);
    if (path.endsWith('/api/v1/me')) return json(client);
    if (path.endsWith('/api/v1/config')) return json(config);
    if (path.endsWith('/api/v1/quote-summary')) return json(summary);
    if (path.endsWith('/api/v1/me/payment-links')) return json([]);
    throw new Error(`unexpected request ${request.method} ${path}`);
  });
  return asked;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Make a Payment', () => {
  it('asks for the client once: its send-link section takes the same answer (issue 18, page budgets)', async () => {
    const asked = serve(quote(0));
    render(<MakePayment onPaid={vi.fn()} />);
    await screen.findByRole('heading', { name: 'Send a payment link' });
    await waitFor(() => expect(asked).toContain('GET /me/payment-links'));
    expect(asked.filter((request) => request === 'GET /me')).toEqual(['GET /me']);
  });

  it('says a credit that covers the period is applied by a call, instead of offering to pay', async () => {
    serve(quote(10000));
    render(<MakePayment onPaid={vi.fn()} />);
    expect(await screen.findByText('Your credit covers this period. Call us and we will apply it.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Make Payment/ })).toBeNull();
  });

  it('offers to pay what a smaller credit leaves', async () => {
    serve(quote(1000));
    render(<MakePayment onPaid={vi.fn()} />);
    expect(await screen.findByRole('button', { name: 'Make Payment of $43.04' })).toBeTruthy();
    expect(screen.queryByText(/Your credit covers this period/)).toBeNull();
  });

  it("preselects the vehicle the API names as due first and flags the overdue one (Dana's Camry, not the F-150)", async () => {
    const dana = {
      ...me,
      vehicles: [
        { id: 'f150', description: '2015 Ford F-150', plate: null, device_serial: 'IID-2', paid_through: '2999-12-12' },
        { id: 'camry', description: '2019 Toyota Camry', plate: null, device_serial: 'IID-3', paid_through: '2020-11-20' },
      ],
      next_vehicle_id: 'camry',
    };
    serve(quote(0), dana);
    render(<MakePayment onPaid={vi.fn()} />);
    const camry = await screen.findByRole('radio', { name: /2019 Toyota Camry/ });
    expect((camry as HTMLInputElement).checked).toBe(true);
    expect((screen.getByRole('radio', { name: /2015 Ford F-150/ }) as HTMLInputElement).checked).toBe(false);
    expect(screen.getByText('Overdue: paid through Nov 20, 2020').closest('.overdue')).toBeTruthy();
    expect(screen.getByText('Paid through Dec 12, 2999').className).toBe('muted');
  });

  it('is refused once another payment paid the period shown, shows the new one, and pays it when confirmed again', async () => {
    // A link's payment paid the period through Dec 1 meanwhile: the same total now pays the one after.
    let paidThrough = '2026-12-01';
    const payments: Response[] = [
      new Response(JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, code: 'quote_changed',
        detail: "another payment paid this vehicle's period since the summary was shown" }),
      { status: 409, headers: { 'content-type': 'application/problem+json' } }),
      new Response(JSON.stringify({ payment_id: 'p2', status: 'succeeded', amount_cents: 5304, currency: 'USD',
        card_brand: 'mastercard', card_last4: '4444', invoice_id: 'i2', invoice_number: 1044 }),
      { status: 201, headers: { 'content-type': 'application/json' } }),
    ];
    const sent: unknown[] = [];
    vi.stubGlobal('fetch', async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith('/api/v1/me')) return json(me);
      if (path.endsWith('/api/v1/config')) return json(config);
      if (path.endsWith('/api/v1/quote-summary')) return json(quote(0, paidThrough));
      if (path.endsWith('/api/v1/me/payment-links')) return json([]);
      if (path.endsWith('/api/v1/me/payments')) {
        sent.push(await request.json());
        paidThrough = '2026-12-15';
        const answer = payments.shift();
        if (answer) return answer;
      }
      throw new Error(`unexpected request ${request.method} ${path}`);
    });
    const onPaid = vi.fn();
    render(<MakePayment onPaid={onPaid} />);
    expect(await screen.findByText('Paid through Dec 1, 2026')).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: 'Make Payment of $53.04' }));
    expect(await screen.findByText(/the period it pays/)).toBeTruthy();
    expect(await screen.findByText('Paid through Dec 15, 2026')).toBeTruthy();
    expect(onPaid).not.toHaveBeenCalled();
    fireEvent.click(await screen.findByRole('button', { name: 'Make Payment of $53.04' }));
    await waitFor(() => expect(onPaid).toHaveBeenCalledOnce());
    expect(sent[0]).toMatchObject({ expected_total_cents: 5304, expected_paid_through: '2026-12-01' });
    expect(sent[1]).toMatchObject({ expected_total_cents: 5304, expected_paid_through: '2026-12-15' });
  });
});
