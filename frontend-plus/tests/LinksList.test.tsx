import { render, screen, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import type { LinkView } from '../src/api/client';
import { LinksList } from '../src/components/LinksList';
import { dana, stubApi } from './fixtures';

const base: LinkView = {
  id: 'bd25c328-14da-4080-a012-d61fc6b1145e', client_id: dana().id, vehicle_id: dana().vehicles[0]!.id, status: 'sent',
  amount_cents: 17649, currency: 'USD', monitor_days: 14, phone_masked: '(•••) •••-0143', phone: '(512) 555-0143',
  payer: 'client', sent_by: { via: 'staff', name: 'Alex Agent' },
  sent_at: '2026-11-25T09:09:26Z', expires_at: '2026-11-25T09:19:26Z', sms_status: 'sent', sms_failure: null,
};

const optedOut: LinkView = {
  ...base,
  status: 'sms_failed',
  sms_status: 'failed',
  sms_failure: {
    reason: 'opted_out',
    provider_error_code: 21610,
    description: 'The number has opted out of texts from us (the client replied STOP).',
    next_step: 'Ask the client to text START to our number and resend, or call them.',
  },
};

function show(links: LinkView[]) {
  stubApi({ [`GET /clients/${dana().id}/payment-links`]: { status: 200, body: links } });
  render(<LinksList client={dana()} version={0} onChange={() => {}} />);
}

describe('LinksList', () => {
  it('shows a link whose text failed as failed, with why and the next step, never as Sent', async () => {
    show([optedOut]);
    const row = (await screen.findAllByRole('row'))[1]!;
    expect(within(row).getByTestId('link-status').textContent).toBe('Text failed');
    expect(row.textContent).not.toMatch(/\bSent\b/);
    const note = within(row).getByTestId('sms-failure');
    expect(note.textContent).toContain('opted out of texts');
    expect(note.textContent).toContain('Next step: Ask the client to text START');
    expect(note.textContent).toContain('21610');
    // It can still be paid: the agent can resend it (to the same or another number) or revoke it.
    expect(within(row).getByRole('button', { name: 'Resend the $176.49 link' })).toBeTruthy();
    expect(within(row).getByRole('button', { name: 'Revoke the $176.49 link' })).toBeTruthy();
  });

  it('says why an expired link never reached the client', async () => {
    show([{
      ...base, status: 'expired', sms_status: 'failed',
      sms_failure: { reason: 'link_expired', provider_error_code: null, description: 'The link expired before the text could be sent, so it was not sent.', next_step: 'Resend the link.' },
    }]);
    const row = (await screen.findAllByRole('row'))[1]!;
    expect(within(row).getByTestId('link-status').textContent).toBe('Expired');
    const note = within(row).getByTestId('sms-failure');
    expect(note.textContent).toContain('Next step: Resend the link.');
    expect(note.textContent).not.toContain('provider error');
  });

  it('shows a text on its way as Sent, with no failure note', async () => {
    show([base]);
    const row = (await screen.findAllByRole('row'))[1]!;
    expect(within(row).getByTestId('link-status').textContent).toBe('Sent');
    expect(within(row).queryByTestId('sms-failure')).toBeNull();
  });

  it('shows the number each link went to and who sent it: staff, the client from My Account, or a reply PAY', async () => {
    show([
      { ...base, id: 'a', phone: '(737) 555-0199', payer: 'third_party', sent_by: { via: 'my_account', name: 'Dana Whitfield' } },
      { ...base, id: 'b', sent_by: { via: 'reply', name: 'Dana Whitfield' } },
      { ...base, id: 'c' },
    ]);
    const rows = (await screen.findAllByRole('row')).slice(1);
    expect(within(rows[0]!).getByTestId('link-phone').textContent).toBe('(737) 555-0199 (another payer)');
    expect(within(rows[0]!).getByTestId('link-sender').textContent).toBe('Dana Whitfield (client, from My Account)');
    expect(within(rows[1]!).getByTestId('link-phone').textContent).toBe("(512) 555-0143 (client's phone)");
    expect(within(rows[1]!).getByTestId('link-sender').textContent).toBe('Dana Whitfield (client, replied PAY)');
    expect(within(rows[2]!).getByTestId('link-sender').textContent).toBe('Alex Agent');
  });

  it('shows an out-of-date link as such, to be resent for the right amount', async () => {
    show([{ ...base, status: 'outdated' }]);
    const row = (await screen.findAllByRole('row'))[1]!;
    expect(within(row).getByTestId('link-status').textContent).toBe('Out of date');
    expect(row.textContent).toContain('paid another way');
    expect(within(row).getByRole('button', { name: 'Resend the $176.49 link' })).toBeTruthy();
  });
});
