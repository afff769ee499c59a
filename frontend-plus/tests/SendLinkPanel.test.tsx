import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { SendLinkPanel } from '../src/components/SendLinkPanel';
import { dana, quote, stubApi } from './fixtures';

const link = {
  id: 'bd25c328-14da-4080-a012-d61fc6b1145e', client_id: dana().id, vehicle_id: quote.vehicle_id, status: 'sent',
  amount_cents: 17649, currency: 'USD', monitor_days: 14, phone_masked: '(•••) •••-0143',
  sent_at: '2026-11-25T09:09:26Z', expires_at: '2026-11-25T09:19:26Z', sms_status: 'queued',
};
const refusal = {
  type: 'https://docs.payments.invalid/problems/location_not_accepting_payments', title: 'Location not accepting payments',
  status: 422, code: 'location_not_accepting_payments', detail: 'El Paso West is not set up to accept payments',
};

function open(client = dana(), onSent = vi.fn()) {
  render(<SendLinkPanel client={client} onSent={onSent} />);
  fireEvent.click(screen.getByRole('button', { name: 'Send Secure Payment Link' }));
  return onSent;
}

describe('SendLinkPanel', () => {
  it('shows the Invoice Summary with its Total Due Amount and prefills the phone', async () => {
    stubApi({ 'POST /quote-summary': { status: 200, body: quote } });
    open();
    expect(screen.getByLabelText('Phone number to text')).toHaveProperty('value', '(512) 555-0143');
    expect(screen.getByRole('button', { name: 'Send Message' })).toHaveProperty('disabled', true);
    fireEvent.click(screen.getByRole('button', { name: 'Get Summary' }));
    const total = await screen.findByRole('row', { name: /Total Due Amount/ });
    expect(total.textContent).toContain('$176.49');
    expect(screen.getByRole('button', { name: 'Send Message' })).toHaveProperty('disabled', false);
  });

  it('starts from the vehicle due first, as Take Payment does, not the first one listed (issue 18)', async () => {
    const requests = stubApi({ 'POST /quote-summary': { status: 200, body: quote } });
    const camry = dana().vehicles[0]!;
    const f150 = { ...camry, id: '00000000-0000-4000-8000-000000000202', description: '2015 Ford F-150', plate: 'TX-BRT7730' };
    open(dana({ vehicles: [f150, camry], next_vehicle_id: camry.id }));
    fireEvent.click(screen.getByRole('button', { name: 'Get Summary' }));
    await screen.findByRole('row', { name: /Total Due Amount/ });
    const asked = requests.find((r) => r.url.endsWith('/quote-summary'));
    expect(await asked?.json()).toMatchObject({ vehicle_id: camry.id });
  });

  it('sends with an Idempotency-Key and says where the link went', async () => {
    const requests = stubApi({ 'POST /quote-summary': { status: 200, body: quote }, 'POST /payment-links': { status: 201, body: link } });
    const onSent = open();
    fireEvent.click(screen.getByRole('button', { name: 'Get Summary' }));
    await screen.findByRole('row', { name: /Total Due Amount/ });
    fireEvent.click(screen.getByRole('button', { name: 'Send Message' }));
    await screen.findByText(/Payment link sent to \(•••\) •••-0143/);
    const send = requests.find((r) => r.url.endsWith('/payment-links'));
    expect(send?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await send?.json()).toMatchObject({ phone: '(512) 555-0143', monitor_days: 14 });
    expect(onSent).toHaveBeenCalledOnce();
    expect(screen.getByRole('button', { name: 'Send Message' })).toHaveProperty('disabled', true);
  });

  it('shows a red message and disables sending when the location does not accept payments', async () => {
    stubApi({ 'POST /quote-summary': { status: 200, body: { ...quote, client_id: '…0102' } } });
    open(dana({ location: { ...dana().location, name: 'El Paso West', accepts_payments: false } }));
    expect(screen.getByRole('alert').textContent).toMatch(/does not accept payments/);
    fireEvent.click(screen.getByRole('button', { name: 'Get Summary' }));
    await screen.findByRole('row', { name: /Total Due Amount/ });
    expect(screen.getByRole('button', { name: 'Send Message' })).toHaveProperty('disabled', true);
  });

  it('shows the API refusal location_not_accepting_payments the same way', async () => {
    stubApi({ 'POST /quote-summary': { status: 200, body: quote }, 'POST /payment-links': { status: 422, body: refusal } });
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Get Summary' }));
    await screen.findByRole('row', { name: /Total Due Amount/ });
    fireEvent.click(screen.getByRole('button', { name: 'Send Message' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/does not accept payments/);
    expect(alert.id).toBe('not-accepting');
    expect(screen.getByRole('button', { name: 'Send Message' })).toHaveProperty('disabled', true);
  });

  it('reuses the Idempotency-Key when the same send is retried after a failure', async () => {
    const busy = { type: 'x', title: 'Request in progress', status: 409, code: 'request_in_progress', detail: 'in progress' };
    const requests = stubApi({
      'POST /quote-summary': { status: 200, body: quote },
      'POST /payment-links': [{ status: 409, body: busy }, { status: 201, body: link }],
    });
    open();
    fireEvent.click(screen.getByRole('button', { name: 'Get Summary' }));
    await screen.findByRole('row', { name: /Total Due Amount/ });
    fireEvent.click(screen.getByRole('button', { name: 'Send Message' }));
    await screen.findByText(/still being processed/);
    fireEvent.click(screen.getByRole('button', { name: 'Send Message' }));
    await screen.findByText(/Payment link sent/);
    const keys = requests.filter((r) => r.url.endsWith('/payment-links')).map((r) => r.headers.get('Idempotency-Key'));
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });
});
