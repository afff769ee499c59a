import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { session } from '../src/api/client';
import { staffMe } from '../src/permissions';
import { TakePayment } from '../src/components/TakePayment';
import { dana, quote, stubApi } from './fixtures';

const client = dana({ past_due_cents: 0, credit_cents: 10000 });
const covered = {
  ...quote,
  lines: [
    { kind: 'monitoring', description: 'Monitoring, 14 days', amount_cents: 4900 },
    { kind: 'past_due', description: 'Past due balance', amount_cents: 0 },
    { kind: 'tax', description: 'Tax (8.25%)', amount_cents: 404 },
    { kind: 'credit', description: 'Credit', amount_cents: -5304 },
  ],
  past_due_cents: 0, credit_cents: 5304, total_due_cents: 0, covered_by_credit: true,
  accepts_payments: true, default_card_id: client.cards[0]?.id ?? null, due_date: '2026-11-16',
};
const applied = {
  invoice: {
    id: '5f0e8a52-8a43-4f4e-9a55-6a1c1a1f0001', number: 1042, client_id: client.id, vehicle_id: quote.vehicle_id,
    status: 'paid', monitor_days: 14, lines: covered.lines, subtotal_cents: 4900, tax_cents: 404, past_due_cents: -5304,
    total_cents: 0, currency: 'USD', issued_at: '2026-11-30T19:00:00Z', created_by: 'Sam Supervisor (staff)',
  },
  vehicle_id: quote.vehicle_id,
  paid_through: '2026-11-29',
};
const nextPath = `GET /clients/${client.id}/next-payment`;
const applyPath = `POST /clients/${client.id}/credit-applications`;

/** Signs in as `role` (a token of its own, so the role is asked again) with its permissions. */
function as(role: string, permissions: string[]) {
  session.signIn(`token-of-${role}-${Math.random()}`);
  return { 'GET /staff/me': { status: 200, body: { email: `${role}@example.com`, role, permissions } } };
}

describe('Take Payment with a quote covered by credit', () => {
  it('says nothing is charged, and a supervisor applies the credit after confirming', async () => {
    const requests = stubApi({
      ...as('supervisor', ['read_clients', 'take_payments', 'refund']),
      [nextPath]: [{ status: 200, body: covered }, { status: 200, body: { ...covered, ...quote, covered_by_credit: false } }],
      [applyPath]: { status: 201, body: applied },
    });
    const onPaid = vi.fn();
    render(<TakePayment client={client} version={0} onPaid={onPaid} />);
    expect(await screen.findByText("The client's credit covers this period: nothing to charge.")).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Take Payment' })).toBeNull();

    fireEvent.click(await screen.findByRole('button', { name: 'Apply credit' }));
    expect(screen.getByText(/Apply/, { selector: 'p' }).textContent).toContain('Apply $53.04 of the client');
    fireEvent.click(screen.getByRole('button', { name: 'Confirm: apply credit' }));
    const note = await screen.findByText(/Credit applied: invoice #1042/);
    expect(note.textContent).toContain('2019 Toyota Camry is now paid through');
    expect(onPaid).toHaveBeenCalledOnce();
    const sent = requests.find((r) => r.url.endsWith('/credit-applications'));
    expect(sent?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await sent?.json()).toEqual({ vehicle_id: quote.vehicle_id, monitor_days: 14 });
  });

  it('offers an agent no way to apply the credit', async () => {
    stubApi({ ...as('agent', ['read_clients', 'take_payments']), [nextPath]: { status: 200, body: covered } });
    render(<TakePayment client={client} version={0} onPaid={vi.fn()} />);
    expect(await screen.findByText("The client's credit covers this period: nothing to charge.")).toBeTruthy();
    // The role is known once the answer `useCan` waits for has come (the same promise, asked once per session).
    expect((await staffMe()).role).toBe('agent');
    expect(screen.queryByRole('button', { name: 'Apply credit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Take Payment' })).toBeNull();
  });
});

describe('Take Payment for a vehicle and days the agent chooses', () => {
  it('starts from the suggestion, quotes another vehicle and period, and charges exactly that', async () => {
    const f150 = { id: '00000000-0000-4000-8000-000000000202', description: '2015 Ford F-150', plate: 'TX-BRT7730',
      device_serial: 'IID-220877', paid_through: '2999-12-12' };
    const two = dana({ vehicles: [...client.vehicles.map((v) => ({ ...v, paid_through: '2020-11-20' })), f150] });
    const suggestion = { ...quote, covered_by_credit: false, credit_cents: 0, accepts_payments: true,
      default_card_id: two.cards[0]?.id ?? null, due_date: '2020-11-21', paid_through: '2020-11-20' };
    const f150Quote = { ...quote, vehicle_id: f150.id, vehicle_description: f150.description, monitor_days: 30,
      covered_by_credit: false, credit_cents: 0, total_due_cents: 22632, paid_through: f150.paid_through };
    const requests = stubApi({
      ...as('agent', ['read_clients', 'take_payments']),
      [`GET /clients/${two.id}/next-payment`]: { status: 200, body: suggestion },
      'POST /quote-summary': { status: 200, body: f150Quote },
      [`POST /clients/${two.id}/payments`]: { status: 201, body: { payment_id: 'p1', status: 'succeeded', amount_cents: 22632,
        currency: 'USD', card_brand: 'visa', card_last4: '4242', invoice_id: null, invoice_number: 1043 } },
    });
    render(<TakePayment client={two} version={0} onPaid={vi.fn()} />);
    const vehicle = (await screen.findByLabelText('Vehicle')) as HTMLSelectElement;
    expect(vehicle.value).toBe(quote.vehicle_id);
    expect(screen.getByText('Overdue: paid through Nov 20, 2020').closest('.overdue')).toBeTruthy();
    fireEvent.change(vehicle, { target: { value: f150.id } });
    fireEvent.click(screen.getByRole('radio', { name: '30 days' }));
    expect(await screen.findByText('Paid through Dec 12, 2999')).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: 'Take Payment' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Confirm payment of $226.32' }));
    await screen.findByText(/Payment of \$226.32 succeeded/);
    const quoted = requests.filter((r) => r.url.endsWith('/quote-summary'));
    expect(await quoted[quoted.length - 1]?.json()).toEqual({ client_id: two.id, vehicle_id: f150.id, monitor_days: 30 });
    const charged = requests.find((r) => r.url.endsWith('/payments'));
    expect(await charged?.json()).toEqual({ vehicle_id: f150.id, monitor_days: 30, card_id: two.cards[0]?.id,
      expected_total_cents: 22632, expected_paid_through: '2999-12-12' });
  });
});

/** Takes the payment shown: Take Payment (once a card is chosen), then its confirm. */
async function takePayment() {
  const start = (await screen.findByRole('button', { name: 'Take Payment' })) as HTMLButtonElement;
  await waitFor(() => expect(start.disabled).toBe(false));
  fireEvent.click(start);
  fireEvent.click(await screen.findByRole('button', { name: /^Confirm payment of/ }));
}

describe('Take Payment confirmed after another payment paid the period shown', () => {
  it('is refused, shows the period now due, and charges it only when confirmed again', async () => {
    const suggestion = { ...quote, covered_by_credit: false, credit_cents: 0, past_due_cents: 0, total_due_cents: 5304,
      accepts_payments: true, default_card_id: client.cards[0]?.id ?? null, due_date: '2026-11-16' };
    // A link's payment paid that period meanwhile: the same total now pays the following one.
    const moved = { ...suggestion, paid_through: '2026-11-29', due_date: '2026-11-30' };
    const requests = stubApi({
      ...as('agent', ['read_clients', 'take_payments']),
      [nextPath]: [{ status: 200, body: suggestion }, { status: 200, body: moved }],
      [`POST /clients/${client.id}/payments`]: [
        { status: 409, body: { type: 'about:blank', title: 'Conflict', status: 409, code: 'quote_changed',
          detail: "another payment paid this vehicle's period since the summary was shown" } },
        { status: 201, body: { payment_id: 'p2', status: 'succeeded', amount_cents: 5304, currency: 'USD',
          card_brand: 'visa', card_last4: '4242', invoice_id: null, invoice_number: 1044 } },
      ],
    });
    render(<TakePayment client={client} version={0} onPaid={vi.fn()} />);
    expect(await screen.findByText('Overdue: paid through Nov 15, 2026')).toBeTruthy();
    await takePayment();
    expect(await screen.findByText(/the period it pays/)).toBeTruthy();
    // The new summary: the same amount, for the period after the one just paid.
    expect(await screen.findByText('Overdue: paid through Nov 29, 2026')).toBeTruthy();
    await takePayment();
    await screen.findByText(/Payment of \$53.04 succeeded/);
    const charged = requests.filter((r) => r.url.endsWith('/payments'));
    expect(await charged[0]?.json()).toMatchObject({ expected_total_cents: 5304, expected_paid_through: '2026-11-15' });
    expect(await charged[1]?.json()).toMatchObject({ expected_total_cents: 5304, expected_paid_through: '2026-11-29' });
  });
});
