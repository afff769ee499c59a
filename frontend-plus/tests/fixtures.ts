import { vi } from 'vitest';
import type { Client } from '../src/api/client';

export function dana(overrides: Partial<Client> = {}): Client {
  return {
    id: '00000000-0000-4000-8000-000000000101',
    first_name: 'Dana',
    last_name: 'Whitfield',
    phone: '+15125550143',
    email: 'client@example.com',
    plan_days: 30,
    autopay_enabled: false,
    autopay_card_id: null,
    language: 'en',
    location: {
      id: '00000000-0000-4000-8000-000000000001', name: 'Austin Central', accepts_payments: true,
      tax_rate_ppm: 82500, daily_rate_cents: 350, price_14_cents: null, price_30_cents: 9500, time_zone: 'America/Chicago',
    },
    vehicles: [{ id: '00000000-0000-4000-8000-000000000201', description: '2019 Toyota Camry', plate: 'TX-KLM4821',
      device_serial: 'IID-220419', paid_through: '2026-11-15' }],
    cards: [{ id: '00000000-0000-4000-8000-000000000301', brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 }],
    past_due_cents: 12345,
    credit_cents: 0,
    currency: 'USD',
    ...overrides,
  };
}

export const quote = {
  client_id: '00000000-0000-4000-8000-000000000101', vehicle_id: '00000000-0000-4000-8000-000000000201',
  vehicle_description: '2019 Toyota Camry', paid_through: '2026-11-15', monitor_days: 14, currency: 'USD',
  lines: [
    { kind: 'monitoring', description: 'Monitoring, 14 days', amount_cents: 4900 },
    { kind: 'past_due', description: 'Past due balance', amount_cents: 12345 },
    { kind: 'tax', description: 'Tax (8.25%)', amount_cents: 404 },
  ],
  subtotal_cents: 4900, tax_cents: 404, past_due_cents: 12345, total_due_cents: 17649,
};

type Answer = { status: number; body: unknown };

/** Stubs fetch with answers by "METHOD /path" (under /api/v1); returns the requests it saw. */
export function stubApi(answers: Record<string, Answer | Answer[]>) {
  const requests: Request[] = [];
  vi.stubGlobal('fetch', async (request: Request) => {
    requests.push(request.clone());
    const key = `${request.method} ${new URL(request.url, 'http://localhost').pathname.replace('/api/v1', '')}`;
    const found = answers[key];
    const answer = Array.isArray(found) ? found.shift() : found;
    if (!answer) throw new Error(`unexpected request ${key}`);
    const type = answer.status >= 400 ? 'application/problem+json' : 'application/json';
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': type } });
  });
  return requests;
}
