import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { RefundForm, RefundOutcome } from '../src/components/RefundForm';
import type { Payment } from '../src/api/client';
import { stubApi } from './fixtures';

const payment: Payment = {
  id: '6f1d2c1e-0000-4000-8000-000000000901', client_id: '00000000-0000-4000-8000-000000000101',
  vehicle_id: null, invoice_id: null, invoice_number: 1002, payment_link_id: null,
  amount_cents: 17649, currency: 'USD', status: 'succeeded', method: 'card_on_file',
  card_brand: 'visa', card_last4: '4242', failure_code: null, gateway_reference: 'ch_1',
  initiated_by: 'Alex Agent (staff)', created_at: '2026-11-30T10:00:00Z', updated_at: '2026-11-30T10:00:00Z',
  refunded_cents: 5000, refundable_cents: 12649, dispute_status: null,
};

function refundOf(amount: number, status = 'succeeded') {
  return {
    id: 'a1', payment_id: payment.id, client_id: payment.client_id, amount_cents: amount, currency: 'USD',
    reason: 'Device returned', status, failure_code: null, origin: 'api', requested_by: 'Sam Supervisor (staff)',
    created_at: '2026-11-30T10:05:00Z', updated_at: '2026-11-30T10:05:00Z',
  };
}

function open() {
  const onDone = vi.fn();
  render(<RefundForm payment={payment} onDone={onDone} onCancel={vi.fn()} />);
  return onDone;
}

describe('RefundForm', () => {
  it('keeps a refund as credit when staff choose it, and says so before and after', async () => {
    const kept = { ...refundOf(2500), destination: 'credit', source: 'payment' };
    const requests = stubApi({ 'POST /payments/6f1d2c1e-0000-4000-8000-000000000901/refunds': { status: 201, body: kept } });
    const onDone = open();
    fireEvent.input(screen.getByLabelText('Amount to refund ($)'), { target: { value: '25' } });
    fireEvent.input(screen.getByLabelText('Reason'), { target: { value: 'Device returned' } });
    fireEvent.click(screen.getByLabelText(/Keep as credit/));
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    expect(screen.getByRole('group', { name: /^Keep/ }).textContent).toMatch(/Keep \$25\.00 as the client's credit\?/);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm refund of $25.00' }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalledOnce());
    expect(await requests[0]?.json()).toEqual({ amount_cents: 2500, reason: 'Device returned', destination: 'credit' });
    render(<RefundOutcome refund={onDone.mock.calls[0]?.[0]} />);
    expect(screen.getByText(/kept as credit: it lowers the client's next payment/)).toBeTruthy();
  });

  it('prefills what is left, needs a reason, and confirms before refunding', async () => {
    const requests = stubApi({ 'POST /payments/6f1d2c1e-0000-4000-8000-000000000901/refunds': { status: 201, body: refundOf(2500) } });
    const onDone = open();
    const amount = screen.getByLabelText('Amount to refund ($)');
    expect(amount).toHaveProperty('value', '126.49');
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    expect(screen.getByRole('alert').textContent).toMatch(/reason/);
    fireEvent.input(amount, { target: { value: '25' } });
    fireEvent.input(screen.getByLabelText('Reason'), { target: { value: 'Device returned' } });
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    expect(requests).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm refund of $25.00' }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalledOnce());
    expect(requests[0]?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await requests[0]?.json()).toEqual({ amount_cents: 2500, reason: 'Device returned' });
  });

  it('refuses more than is left before asking the API', () => {
    stubApi({});
    open();
    fireEvent.input(screen.getByLabelText('Amount to refund ($)'), { target: { value: '200' } });
    fireEvent.input(screen.getByLabelText('Reason'), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    expect(screen.getByRole('alert').textContent).toMatch(/At most \$126\.49/);
  });

  it('sends no amount for all that is left, and shows a refusal in words', async () => {
    const failed = { type: 'x', title: 'Refund failed', status: 422, code: 'refund_failed', detail: 'closed account' };
    const requests = stubApi({ 'POST /payments/6f1d2c1e-0000-4000-8000-000000000901/refunds': { status: 422, body: failed } });
    const onDone = open();
    fireEvent.input(screen.getByLabelText('Reason'), { target: { value: 'Left the program' } });
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm refund of $126.49' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not make the refund/);
    expect(await requests[0]?.json()).toEqual({ reason: 'Left the program' });
    expect(onDone).not.toHaveBeenCalled();
  });
});
