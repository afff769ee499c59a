import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { beforeEach, describe, expect, it } from 'vitest';
import { session } from '../src/api/client';
import { App } from '../src/components/App';
import { dana, stubApi } from './fixtures';

const summary = { id: dana().id, first_name: 'Dana', last_name: 'Whitfield', phone: '+15125550143', email: 'client@example.com',
  location_name: 'Austin Central' };

// Vite's base: /plus/ in the build, / under Vitest.
const BASE = import.meta.env.BASE_URL;

/** Opens PLUS Web at `path` (a deep link, a reload), signed in. */
function openAt(path: string) {
  history.replaceState(null, '', BASE + path);
  session.signIn('a-token', 'agent@example.com');
  render(<App />);
}

beforeEach(() => {
  stubApi({
    'GET /clients': { status: 200, body: [summary] },
    [`GET /clients/${dana().id}`]: { status: 200, body: dana() },
    'GET /staff/me': { status: 200, body: { email: 'agent@example.com', role: 'agent', permissions: [] } },
  });
});

describe('PLUS Web URLs', () => {
  it('opens a client on the tab its deep link names', async () => {
    openAt(`clients/${dana().id}/history`);
    expect(await screen.findByRole('heading', { name: 'Dana Whitfield' })).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Account History' }).getAttribute('aria-selected')).toBe('true');
  });

  it('keeps a tab choice in the address bar, replacing the entry', async () => {
    openAt(`clients/${dana().id}`);
    fireEvent.click(await screen.findByRole('tab', { name: 'Client Log' }));
    expect(location.pathname).toBe(`${BASE}clients/${dana().id}/log`);
    expect(screen.getByRole('tab', { name: 'Client Log' }).getAttribute('aria-selected')).toBe('true');
  });

  it('searches the query of ?q=… and puts a new search in the address bar', async () => {
    openAt('?q=Dana');
    expect(screen.getByLabelText('Name or phone')).toHaveProperty('value', 'Dana');
    const result = await screen.findByRole('link', { name: 'Dana Whitfield' });
    expect(result.getAttribute('href')).toBe(`${BASE}clients/${dana().id}`);
    fireEvent.input(screen.getByLabelText('Name or phone'), { target: { value: 'Whitfield' } });
    fireEvent.submit(screen.getByRole('search'));
    await waitFor(() => expect(location.search).toBe('?q=Whitfield'));

    fireEvent.click(await screen.findByRole('link', { name: 'Dana Whitfield' }));
    expect(location.pathname).toBe(`${BASE}clients/${dana().id}`);
    expect(await screen.findByRole('heading', { name: 'Dana Whitfield' })).toBeTruthy();
  });

  it('shows the client search for any other path under the base, and for a malformed client id', () => {
    openAt('no/such/page');
    expect(screen.getByRole('heading', { name: 'Find a client' })).toBeTruthy();
    document.body.innerHTML = '';
    openAt('clients/not-a-client-id');
    expect(screen.getAllByRole('heading', { name: 'Find a client' })).toHaveLength(1);
  });
});
