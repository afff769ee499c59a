import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { ReceiptPanel } from '../src/components/ReceiptPanel';
import { stubApi } from './fixtures';

const receipt = {
  id: 'r1', receipt_number: 'R-2026-000123', payment_id: 'p1', invoice_number: 1002,
  issued_at: '2026-12-01T03:30:00Z', issued_at_local: '2026-11-30T21:30:00-06:00', local_date: '2026-11-30',
  local_time: '21:30', time_zone: 'America/Chicago', time_zone_abbreviation: 'CST', location_name: 'Austin Central',
  payer: { kind: 'third_party', phone_masked: '(•••) •••-0199' }, card_brand: 'visa', card_last4: '4242',
  lines: [{ kind: 'monitoring', description: 'Monitoring, 14 days', amount_cents: 4900 }],
  total_cents: 4900, currency: 'USD', refunds: [],
  vehicles: [{ vehicle_id: 'v1', description: '2019 Toyota Camry', paid_through: '2026-12-13' }],
};

describe('ReceiptPanel', () => {
  it('shows the receipt staff open from Account History, dated on the location clock', async () => {
    stubApi({ 'GET /payments/p1/receipt': { status: 200, body: receipt } });
    render(<ReceiptPanel paymentId="p1" onClose={() => {}} />);
    expect(await screen.findByRole('heading', { name: 'Receipt R-2026-000123' })).toBeTruthy();
    expect(screen.getByText('Nov 30, 2026, 9:30 PM CST (Austin Central)')).toBeTruthy();
    expect(screen.getByText('Third party, phone (•••) •••-0199')).toBeTruthy();
    expect(screen.getByText('Visa •••• 4242')).toBeTruthy();
    expect(screen.getByText('2019 Toyota Camry: Dec 13, 2026')).toBeTruthy();
  });

  it('dates refunds on the location clock, not the UTC day, and says when one was kept as credit', async () => {
    const refunded = {
      ...receipt,
      refunds: [
        { amount_cents: 500, created_at: '2026-12-02T03:30:00Z', local_date: '2026-12-01', destination: 'card', source: 'payment' },
        { amount_cents: 700, created_at: '2026-12-03T03:30:00Z', local_date: '2026-12-02', destination: 'credit', source: 'payment' },
      ],
    };
    stubApi({ 'GET /payments/p1/receipt': { status: 200, body: refunded } });
    render(<ReceiptPanel paymentId="p1" onClose={() => {}} />);
    expect(await screen.findByText(/^Refunded Dec 1, 2026/)).toBeTruthy();
    expect(screen.getByText(/^Refunded, kept as credit, Dec 2, 2026/)).toBeTruthy();
    expect(screen.queryByText(/Dec 3, 2026/)).toBeNull();
  });
});
