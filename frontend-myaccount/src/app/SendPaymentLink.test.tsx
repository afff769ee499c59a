import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '@kit/api';
import { SendPaymentLink, linkStatusText } from './SendPaymentLink';

const me: Schemas['Client'] = {
  id: '00000000-0000-4000-8000-000000000101', first_name: 'Dana', last_name: 'Diaz', phone: '+15125550143',
  email: 'client@example.com', plan_days: 14, autopay_enabled: false, autopay_card_id: null, language: 'en',
  location: {
    id: '00000000-0000-4000-8000-000000000001', name: 'Austin Central', accepts_payments: true, tax_rate_ppm: 82500,
    daily_rate_cents: 350, price_14_cents: null, price_30_cents: 9500, time_zone: 'America/Chicago',
  },
  vehicles: [{ id: 'camry', description: '2019 Toyota Camry', plate: null, device_serial: 'IID-3', paid_through: '2026-12-01' }],
  next_vehicle_id: 'camry', cards: [], past_due_cents: 0, credit_cents: 0, currency: 'USD',
};

const link = {
  id: 'l1', client_id: me.id, vehicle_id: 'camry', status: 'sent', amount_cents: 17649, currency: 'USD',
  monitor_days: 14, phone_masked: '(•••) •••-0199', sent_at: '2026-11-30T22:00:00Z', expires_at: '2026-11-30T22:10:00Z',
  opened_at: null, paid_at: null, revoked_at: null, payment_id: null, sms_status: 'queued', sms_failure: null,
};

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function serve(onSend: (request: Request) => Promise<Response>) {
  const sent: Request[] = [];
  let links: unknown[] = [];
  vi.stubGlobal('fetch', async (request: Request) => {
    const path = new URL(request.url).pathname;
    if (path.endsWith('/api/v1/quote-summary')) return json({ total_due_cents: 17649 });
    if (path.endsWith('/api/v1/me/payment-links') && request.method === 'GET') return json(links);
    if (path.endsWith('/api/v1/me/payment-links')) {
      sent.push(request.clone());
      const answer = await onSend(request);
      if (answer.status === 201) links = [link];
      return answer;
    }
    throw new Error(`unexpected request ${request.method} ${path}`);
  });
  return sent;
}

describe('Send a payment link', () => {
  it('sends the vehicle, days and payer number with an idempotency key, then lists the link with its status', async () => {
    const sent = serve(async () => json(link, 201));
    render(<SendPaymentLink client={me} />);
    expect(await screen.findByText('Amount: $176.49')).toBeTruthy();
    fireEvent.input(screen.getByLabelText('Their mobile number'), { target: { value: '(512) 555-0199' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText(/Payment link for \$176.49 sent to \(•••\) •••-0199/)).toBeTruthy();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.get('Idempotency-Key')).toBeTruthy();
    expect(await sent[0]?.json()).toEqual({ vehicle_id: 'camry', monitor_days: 14, phone: '(512) 555-0199' });
    const list = await screen.findByRole('list', { name: 'Payment links you sent' });
    expect(list.textContent).toContain('Sent');
  });

  it('says why a send was refused', async () => {
    serve(async () =>
      json({ type: 'about:blank', title: 'Too many', status: 429, code: 'rate_limited', detail: 'too many' }, 429),
    );
    render(<SendPaymentLink client={me} />);
    await screen.findByText('Amount: $176.49');
    fireEvent.input(screen.getByLabelText('Their mobile number'), { target: { value: '5125550199' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).not.toBe(''));
    expect(screen.queryByRole('list', { name: 'Payment links you sent' })).toBeNull();
  });

  it('words statuses', () => {
    expect(linkStatusText('sms_failed')).toBe('Text not delivered');
    expect(linkStatusText('paid')).toBe('Paid');
  });
});
