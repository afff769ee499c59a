import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { CreditActions } from '../src/components/CreditActions';
import { session } from '../src/api/client';
import { staffMe } from '../src/permissions';
import { dana, stubApi } from './fixtures';

/** Signs in as `role` (a token of its own, so the role is asked again) with its permissions. */
function as(role: string, permissions: string[]) {
  session.signIn(`token-of-${role}-${Math.random()}`);
  return { 'GET /staff/me': { status: 200, body: { email: `${role}@example.com`, role, permissions } } };
}

const SUPERVISOR = ['read_clients', 'take_payments', 'refund'];

describe('CreditActions', () => {
  it('grants a goodwill credit after confirming, once per attempt key', async () => {
    const client = dana({ credit_cents: 0 });
    const granted = {
      id: 'g1', client_id: client.id, amount_cents: 2500, currency: 'USD', reason: 'Device fault',
      granted_by: 'Sam Supervisor (staff)', created_at: '2026-11-30T10:00:00Z',
    };
    const requests = stubApi({ ...as('supervisor', SUPERVISOR), [`POST /clients/${client.id}/credits`]: { status: 201, body: granted } });
    const onChange = vi.fn();
    render(<CreditActions client={client} onChange={onChange} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Grant credit' }));
    // No credit yet: nothing to refund.
    expect(screen.queryByRole('button', { name: 'Refund credit' })).toBeNull();
    fireEvent.input(screen.getByLabelText('Amount ($)'), { target: { value: '25' } });
    fireEvent.input(screen.getByLabelText('Reason'), { target: { value: 'Device fault' } });
    fireEvent.click(screen.getByRole('button', { name: 'Grant' }));
    expect(screen.getByRole('group').textContent).toMatch(/Grant \$25\.00 of credit to Dana Whitfield\?/);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm credit of $25.00' }));
    expect(await screen.findByText(/Credit of \$25\.00 granted/)).toBeTruthy();
    expect(onChange).toHaveBeenCalledOnce();
    const sent = requests.find((r) => r.url.endsWith('/credits'));
    expect(sent?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await sent?.json()).toEqual({ amount_cents: 2500, reason: 'Device fault' });
  });

  it('refunds the whole credit without an amount, and shows a refusal in words', async () => {
    const client = dana({ credit_cents: 4000 });
    const refused = { type: 'x', title: 'Credit not refundable', status: 422, code: 'credit_not_refundable', detail: 'none' };
    const requests = stubApi({
      ...as('supervisor', SUPERVISOR),
      [`POST /clients/${client.id}/credit-refunds`]: { status: 422, body: refused },
    });
    render(<CreditActions client={client} onChange={vi.fn()} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Refund credit' }));
    expect(screen.getByLabelText('Amount ($)')).toHaveProperty('value', '40.00');
    fireEvent.input(screen.getByLabelText('Reason'), { target: { value: 'Left the program' } });
    fireEvent.click(screen.getByRole('button', { name: 'Refund' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm credit refund of $40.00' }));
    expect(await screen.findByText(/No payment of the last 180 days can take this credit back/)).toBeTruthy();
    expect(await requests.find((r) => r.url.endsWith('/credit-refunds'))?.json()).toEqual({ reason: 'Left the program' });
  });

  it('offers an agent neither action', async () => {
    stubApi(as('agent', ['read_clients', 'take_payments']));
    render(<CreditActions client={dana({ credit_cents: 4000 })} onChange={vi.fn()} />);
    expect((await staffMe()).role).toBe('agent');
    expect(screen.queryByRole('button', { name: 'Grant credit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Refund credit' })).toBeNull();
  });
});
