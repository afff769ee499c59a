import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { session } from '../src/api/client';
import { staffMe } from '../src/permissions';
import { FailingWebhooksBanner } from '../src/components/FailingWebhooksBanner';
import { WebhooksPage, type WebhookEndpointView } from '../src/components/WebhooksPage';
import { stubApi } from './fixtures';

/** A fresh session per test, so the cached `staff_me` answer is this test's. */
function signIn() {
  session.signIn(`token-of-admin-${Math.random()}`);
}

const me = (failing: number | null) => ({
  status: 200,
  body: { id: 'a', name: 'Ada Admin', role: 'admin', permissions: ['read_clients', 'administer'], failing_webhook_endpoints: failing },
});

function endpoint(n: number, overrides: Partial<WebhookEndpointView> = {}): WebhookEndpointView {
  return {
    id: `00000000-0000-4000-8000-00000000b00${n}`, url: `https://partner.example/hooks/${n}`, events: ['payment.succeeded'],
    status: 'enabled', failing_since: null, disabled_at: null, disabled_reason: null, created_at: '2026-11-30T10:00:00Z',
    ...overrides,
  };
}

describe('WebhooksPage', () => {
  it('says of each endpoint whether it is active, failing, paused, or disabled after failing', async () => {
    signIn();
    stubApi({
      'GET /staff/me': me(1),
      'GET /webhook-endpoints': {
        status: 200,
        body: [
          endpoint(1),
          endpoint(2, { failing_since: '2026-11-30T11:00:00Z' }),
          endpoint(3, { status: 'disabled', disabled_reason: 'admin', disabled_at: '2026-11-30T12:00:00Z' }),
          endpoint(4, { status: 'disabled', disabled_reason: 'failing', disabled_at: '2026-12-01T11:00:00Z', failing_since: '2026-11-30T11:00:00Z' }),
        ],
      },
    });
    render(<WebhooksPage />);
    const row = async (n: number) => within((await screen.findByText(`https://partner.example/hooks/${n}`)).closest('tr')!);
    expect((await row(1)).getByText('Active')).toBeTruthy();
    expect((await row(1)).getByRole('button', { name: 'Pause https://partner.example/hooks/1' })).toBeTruthy();
    expect((await row(2)).getByText(/^Active, but every delivery has failed since/)).toBeTruthy();
    expect((await row(3)).getByText(/^Paused by an admin/)).toBeTruthy();
    expect((await row(3)).getByRole('button', { name: 'Resume https://partner.example/hooks/3' })).toBeTruthy();
    expect((await row(4)).getByText(/after failing for 24 hours/)).toBeTruthy();
    expect((await row(4)).getByRole('link', { name: 'Deliveries to https://partner.example/hooks/4' })
      .getAttribute('href')).toMatch(/\/webhooks\/00000000-0000-4000-8000-00000000b004$/);
  });

  it('deletes an endpoint after an in-app confirm step, with focus on the confirm, back on Keep it, then on the list', async () => {
    signIn();
    const requests = stubApi({
      'GET /staff/me': me(0),
      'GET /webhook-endpoints': [
        { status: 200, body: [endpoint(1), endpoint(2)] },
        { status: 200, body: [endpoint(2)] },
      ],
      [`DELETE /webhook-endpoints/${endpoint(1).id}`]: { status: 204, body: null },
    });
    const confirm = window.confirm;
    window.confirm = () => { throw new Error('no browser confirm()'); };
    try {
      render(<WebhooksPage />);
      const remove = await screen.findByRole('button', { name: 'Delete https://partner.example/hooks/1' });
      fireEvent.click(remove);
      const confirmDelete = screen.getByRole('button', { name: 'Confirm delete' });
      expect(document.activeElement).toBe(confirmDelete);
      expect(confirmDelete.closest('.confirm')?.textContent).toMatch(/Delete https:\/\/partner\.example\/hooks\/1 and its delivery history\?/);
      fireEvent.click(screen.getByRole('button', { name: 'Keep it' }));
      await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Delete https://partner.example/hooks/1'));
      expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);

      fireEvent.click(screen.getByRole('button', { name: 'Delete https://partner.example/hooks/1' }));
      fireEvent.click(screen.getByRole('button', { name: 'Confirm delete' }));
      await waitFor(() => expect(screen.queryByText('https://partner.example/hooks/1')).toBeNull());
      expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
      expect(screen.getByText('https://partner.example/hooks/2')).toBeTruthy();
      await waitFor(() => expect(document.activeElement?.id).toBe('endpoints-title'));
    } finally {
      window.confirm = confirm;
    }
  });

  it('asks for a URL and an event first, and shows the API refusing a URL in words', async () => {
    signIn();
    const requests = stubApi({
      'GET /staff/me': me(0),
      'GET /webhook-endpoints': { status: 200, body: [] },
      'POST /webhook-endpoints': {
        status: 422,
        body: { type: 'about:blank', title: 'Invalid', status: 422, code: 'validation_failed', detail: 'the URL must be https://', errors: [{ field: 'url', message: 'the URL must be https://' }] },
      },
    });
    render(<WebhooksPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Register endpoint' }));
    expect(screen.getByRole('alert').textContent).toMatch(/URL/);
    fireEvent.input(screen.getByLabelText('Endpoint URL'), { target: { value: 'http://partner.example/hooks' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register endpoint' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose at least one event.');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    fireEvent.click(screen.getByRole('checkbox', { name: /link\.paid/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Register endpoint' }));
    expect((await screen.findByText(/must be https/)).textContent).toBe('Some details are not valid: the URL must be https://.');
    expect(screen.queryByLabelText('Signing secret')).toBeNull();
  });
});

describe('FailingWebhooksBanner', () => {
  it('tells admins how many endpoints were disabled for failing, with a link to them', async () => {
    signIn();
    stubApi({ 'GET /staff/me': me(2) });
    render(<FailingWebhooksBanner />);
    const banner = await screen.findByRole('region', { name: 'Webhook endpoints disabled' });
    expect(banner.textContent).toMatch(/^2 webhook endpoints were disabled after failing for 24 hours\./);
    expect(within(banner).getByRole('link', { name: 'Review webhook endpoints' }).getAttribute('href')).toMatch(/\/webhooks$/);
  });

  it('says nothing when none is, or to a role that is not told', async () => {
    for (const failing of [0, null]) {
      signIn();
      stubApi({ 'GET /staff/me': me(failing) });
      const { container, unmount } = render(<FailingWebhooksBanner />);
      // The banner's answer is in and rendered (act flushes what it set) before its absence is checked.
      await act(async () => {
        await staffMe();
      });
      expect(container.textContent).toBe('');
      unmount();
    }
  });
});
