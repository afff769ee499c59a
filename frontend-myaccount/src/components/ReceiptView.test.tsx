import { render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { Schemas } from '@kit/api';
import { ReceiptView } from './ReceiptView';

const receipt: Schemas['Receipt'] = {
  id: 'r1', receipt_number: 'R-2026-000123', payment_id: 'p1', invoice_number: 1002,
  issued_at: '2026-12-01T03:30:00Z', issued_at_local: '2026-11-30T21:30:00-06:00', local_date: '2026-11-30',
  local_time: '21:30', time_zone: 'America/Chicago', time_zone_abbreviation: 'CST', location_name: 'Austin Central',
  payer: { kind: 'client', name: 'Dana Whitfield' }, card_brand: 'visa', card_last4: '4242',
  lines: [{ kind: 'monitoring', description: 'Monitoring, 14 days', amount_cents: 4900 }],
  total_cents: 4900, currency: 'USD',
  refunds: [
    // After midnight UTC, the evening before in Austin: the receipt shows Austin's day.
    { amount_cents: 500, created_at: '2026-12-02T03:30:00Z', local_date: '2026-12-01', destination: 'card', source: 'payment' },
    { amount_cents: 700, created_at: '2026-12-03T03:30:00Z', local_date: '2026-12-02', destination: 'credit', source: 'payment' },
  ],
  vehicles: [{ vehicle_id: 'v1', description: '2019 Toyota Camry', paid_through: '2026-12-13' }],
};

describe('ReceiptView', () => {
  it('dates refunds on the location clock and says which were kept as credit', () => {
    render(<ReceiptView receipt={receipt} />);
    expect(screen.getByText('$5.00 refunded Dec 1, 2026')).toBeTruthy();
    expect(screen.getByText('$7.00 refunded, kept as credit for your next payment, Dec 2, 2026')).toBeTruthy();
    expect(screen.queryByText(/Dec 3, 2026/)).toBeNull();
  });
});
