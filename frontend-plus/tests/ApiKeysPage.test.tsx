import { fireEvent, render, screen, within } from '@testing-library/preact';
import { describe, expect, it, vi } from 'vitest';
import { ApiKeysPage } from '../src/components/ApiKeysPage';
import { session } from '../src/api/client';
import { stubApi } from './fixtures';

/** A fresh session per test, so the cached `staff_me` answer is this test's. */
function signIn(role: string) {
  session.signIn(`token-of-${role}-${Math.random()}`);
}

const admin = { status: 200, body: { id: 'a', name: 'Ada Admin', role: 'admin', permissions: ['read_clients', 'administer'] } };
const SECRET = 'pk_test_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';

function keyView(overrides: Record<string, unknown> = {}) {
  return {
    id: '00000000-0000-4000-8000-00000000a001', name: 'Court system', scopes: ['clients:read', 'links:write'],
    key_prefix: 'pk_test_Zm9v', created_at: '2026-11-30T10:00:00Z', last_used_at: null, revoked_at: null,
    ...overrides,
  };
}

describe('ApiKeysPage', () => {
  it('creates a key with a name and scopes and shows its secret once, with a copy button', async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    signIn('admin');
    const requests = stubApi({
      'GET /staff/me': admin,
      'GET /api-keys': [{ status: 200, body: [] }, { status: 200, body: [keyView()] }],
      'POST /api-keys': { status: 201, body: { id: keyView().id, name: 'Court system', scopes: ['clients:read', 'links:write'], key: SECRET } },
    });
    render(<ApiKeysPage />);
    await screen.findByText('No API keys yet.');
    fireEvent.input(await screen.findByLabelText('Name'), { target: { value: ' Court system ' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /clients:read/ }));
    fireEvent.click(screen.getByRole('checkbox', { name: /links:write/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));

    const shown = await screen.findByLabelText('API key');
    expect(shown).toHaveProperty('value', SECRET);
    const post = requests.find((r) => r.method === 'POST');
    expect(await post?.json()).toEqual({ name: 'Court system', scopes: ['clients:read', 'links:write'] });
    fireEvent.click(screen.getByRole('button', { name: 'Copy key' }));
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith(SECRET));
    expect((await screen.findByText(/Copied/)).textContent).toMatch(/Paste it/);
    // The list shows the prefix only; once put away, the key is gone from the page.
    expect(await screen.findByText('pk_test_Zm9v…')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByLabelText('API key')).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it('asks for a name and a scope before calling the API', async () => {
    signIn('admin');
    const requests = stubApi({ 'GET /staff/me': admin, 'GET /api-keys': { status: 200, body: [] } });
    render(<ApiKeysPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Create key' }));
    expect(screen.getByRole('alert').textContent).toMatch(/name/);
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'Scheduler' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(screen.getByRole('alert').textContent).toMatch(/at least one scope/);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('lists when each key was last used and revokes only after the confirm step', async () => {
    signIn('admin');
    const used = keyView({ last_used_at: '2026-11-30T11:00:00Z' });
    const requests = stubApi({
      'GET /staff/me': admin,
      'GET /api-keys': [{ status: 200, body: [used] }, { status: 200, body: [{ ...used, revoked_at: '2026-11-30T12:00:00Z' }] }],
      [`DELETE /api-keys/${used.id}`]: { status: 204, body: null },
    });
    render(<ApiKeysPage />);
    const row = (await screen.findByText('Court system')).closest('tr') as HTMLElement;
    expect(within(row).queryByText('Never')).toBeNull();
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke Court system' }));
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(within(row).getByText(/refused at once/)).toBeTruthy();
    fireEvent.click(within(row).getByRole('button', { name: 'Confirm revoke of Court system' }));
    // `Revoked`, then the date and time in a <time> element.
    const revoked = await screen.findByText(/^Revoked$/);
    expect(revoked.textContent).toMatch(/^Revoked [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}/);
    expect(requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('offers no form to a staff member who is not an admin', async () => {
    signIn('agent');
    stubApi({
      'GET /staff/me': { status: 200, body: { id: 'g', name: 'Alex Agent', role: 'agent', permissions: ['read_clients'] } },
      'GET /api-keys': { status: 403, body: { type: 'x', title: 'Forbidden', status: 403, code: 'forbidden', detail: 'no' } },
    });
    render(<ApiKeysPage />);
    expect((await screen.findByRole('alert')).textContent).toMatch(/role is not allowed/);
    expect(screen.queryByRole('button', { name: 'Create key' })).toBeNull();
  });
});
