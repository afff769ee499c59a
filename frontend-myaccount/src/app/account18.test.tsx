import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '@kit/api';
import { AccountInfo } from './AccountInfo';
import { AutoPayStatus } from './AutoPayStatus';
import { NextAppointment } from './NextAppointment';
import { PastDue } from './PastDue';
import { TermsDialog, TermsLink } from '../components/Terms';

type Client = Schemas['Client'];

const client = {
  id: 'dana', first_name: 'Dana', last_name: 'Whitfield', phone: '+15125550143', email: 'client@example.com',
  plan_days: 30, autopay_enabled: true, autopay_card_id: 'visa', language: 'en',
  location: {
    id: 'austin', name: 'Austin Central', accepts_payments: true, tax_rate_ppm: 82500, daily_rate_cents: 350,
    price_14_cents: null, price_30_cents: 9500, time_zone: 'America/Chicago',
  },
  vehicles: [{ id: 'camry', description: '2019 Toyota Camry', plate: null, device_serial: 'IID-3', paid_through: '2026-11-20' }],
  next_vehicle_id: 'camry',
  cards: [{ id: 'visa', brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 }],
  past_due_cents: 12345, credit_cents: 0, currency: 'USD',
} as unknown as Client;

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('a vehicle’s next appointment', () => {
  const appointment = {
    starts_at: '2026-12-12T21:30:00-06:00', business_day: '2026-12-12', location_name: 'Austin Central Service Center',
  };

  it('shows the day and the location’s wall-clock time as the API wrote them, whatever the browser’s zone', () => {
    render(<NextAppointment appointment={{ ...appointment, pay_before: false }} />);
    expect(screen.getByText('Next service appointment: Dec 12, 2026 at 9:30 PM, Austin Central Service Center')).toBeTruthy();
    expect(screen.queryByText(/Pay before/)).toBeNull();
  });

  it('says to pay before it only when the API says so', () => {
    render(<NextAppointment appointment={{ ...appointment, pay_before: true }} />);
    expect(screen.getByText("Pay before your appointment on Dec 12 so you don't pay at the service center.")).toBeTruthy();
  });

  it('shows nothing without one', () => {
    const { container } = render(<NextAppointment appointment={null} />);
    expect(container.textContent).toBe('');
  });
});

describe('the past due', () => {
  it('offers Pay now for the vehicle the API names as due', () => {
    const onPay = vi.fn();
    render(<PastDue client={client} onPay={onPay} />);
    expect(screen.getByRole('region', { name: 'Past due' }).textContent).toContain('You have a past due balance of $123.45.');
    fireEvent.click(screen.getByRole('button', { name: 'Pay now' }));
    expect(onPay).toHaveBeenCalledWith('camry');
  });

  it('is not shown without a past due', () => {
    render(<PastDue client={{ ...client, past_due_cents: 0 }} onPay={vi.fn()} />);
    expect(screen.queryByRole('button', { name: 'Pay now' })).toBeNull();
  });
});

describe('Auto Pay status', () => {
  it('names the card and the next charge with its vehicle', async () => {
    const card = client.cards[0];
    vi.stubGlobal('fetch', async () =>
      json({ autopay_enabled: true, card, next_charge: { date: '2026-12-01', vehicle_id: 'camry', amount_cents: 10284, currency: 'USD', card } }),
    );
    render(<AutoPayStatus client={client} />);
    expect(await screen.findByText('Auto Pay is on with Visa ending 4242.')).toBeTruthy();
    expect(screen.getByText('Next Auto Pay charge: $102.84 on Dec 1, 2026 for the 2019 Toyota Camry.')).toBeTruthy();
  });

  it('says when it is off', async () => {
    vi.stubGlobal('fetch', async () => json({ autopay_enabled: false, card: null, next_charge: null }));
    render(<AutoPayStatus client={{ ...client, autopay_enabled: false }} />);
    expect(await screen.findByText('Auto Pay is off.')).toBeTruthy();
    expect(screen.queryByText(/Next Auto Pay charge/)).toBeNull();
  });
});

describe('the terms', () => {
  const terms = { version: '2026-12-01', effective_date: '2026-12-01', title: 'Terms of use', html: '<h2>What you pay for</h2><p>Text.</p>' };

  it('open from a "terms" button and show their version and text', async () => {
    const onOpen = vi.fn();
    render(<TermsLink onOpen={onOpen} />);
    fireEvent.click(screen.getByRole('button', { name: 'terms' }));
    expect(onOpen).toHaveBeenCalled();
    cleanup();
    render(<TermsDialog terms={terms} opener={null} onClose={vi.fn()} />);
    expect(screen.getByRole('heading', { name: 'Terms of use' })).toBeTruthy();
    expect(screen.getByText('Version 2026-12-01, in effect from Dec 1, 2026.')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'What you pay for' })).toBeTruthy();
  });

  it('give the focus back to what opened them when closed', async () => {
    const opener = document.createElement('button');
    document.body.append(opener);
    const onClose = vi.fn();
    const { rerender } = render(<TermsDialog terms={terms} opener={opener} onClose={onClose} />);
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
    rerender(<></>);
    await waitFor(() => expect(document.activeElement).toBe(opener));
    opener.remove();
  });
});

describe('Account Information’s dates, read in Tokyo (the test command sets TZ)', () => {
  it('shows an invoice’s and a refund’s day on the location’s calendar, not the browser’s', async () => {
    // 9:00 PM on Nov 30 in Austin is Dec 1 in Tokyo (and in UTC).
    const invoice = {
      id: 'inv', number: 1002, client_id: 'dana', vehicle_id: 'camry', status: 'paid', monitor_days: 30, lines: [],
      subtotal_cents: 9500, tax_cents: 784, past_due_cents: 0, total_cents: 10284, currency: 'USD',
      issued_at: '2026-12-01T03:00:00Z', created_by: 'Dana (client)', refunded_cents: 1000,
      refunds: [{ id: 'ref', amount_cents: 1000, status: 'succeeded', destination: 'card', source: 'payment', created_at: '2026-12-01T04:30:00Z' }],
    };
    vi.stubGlobal('fetch', async (request: Request) => {
      const path = new URL(request.url, 'http://localhost').pathname.replace('/api/v1', '');
      if (path === '/me') return json(client);
      if (path === '/me/invoices') return json([invoice]);
      if (path === '/me/autopay') return json({ autopay_enabled: false, card: null, next_charge: null });
      return json([]);
    });
    render(<AccountInfo paid={null} onPay={vi.fn()} />);
    const row = (await screen.findByText('#1002')).closest('tr')!;
    expect([...row.cells].map((cell) => cell.textContent)).toEqual(['#1002', 'Nov 30, 2026', 'Paid', '$102.84']);
    expect(screen.getByRole('list', { name: /1002/ }).textContent).toContain('Nov 30, 2026');
  });

  it('writes the dates in words and the status from the catalog in Spanish too', async () => {
    const invoice = {
      id: 'inv', number: 1003, client_id: 'dana', vehicle_id: 'camry', status: 'open', monitor_days: 30, lines: [],
      subtotal_cents: 9500, tax_cents: 784, past_due_cents: 0, total_cents: 10284, currency: 'USD',
      issued_at: '2026-12-01T03:00:00Z', created_by: 'Dana (client)', refunded_cents: 0, refunds: [],
    };
    vi.stubGlobal('fetch', async (request: Request) => {
      const path = new URL(request.url, 'http://localhost').pathname.replace('/api/v1', '');
      if (path === '/me') return json({ ...client, language: 'es' });
      if (path === '/me/invoices') return json([invoice]);
      if (path === '/me/autopay') return json({ autopay_enabled: false, card: null, next_charge: null });
      return json([]);
    });
    render(<AccountInfo paid={null} onPay={vi.fn()} />);
    const row = (await screen.findByText('#1003')).closest('tr')!;
    await waitFor(() => expect([...row.cells].map((cell) => cell.textContent)).toEqual(['#1003', '30 de nov. de 2026', 'Abierta', '$102.84']));
  });
});
