import { screen } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// index.html's entry, which a server may answer for any path under the base (/my-account/): it must open the
// secure payment page for /pay (its token in the fragment) and the signed-in app for every other path.
const BASE = import.meta.env.BASE_URL;

async function openAt(path: string) {
  history.replaceState(null, '', BASE + path);
  const root = document.createElement('div');
  root.id = 'root';
  document.body.append(root);
  vi.resetModules();
  await import('./main');
}

beforeEach(() => {
  vi.stubGlobal('fetch', () => new Promise<never>(() => {})); // the API has not answered yet
});
afterEach(() => {
  document.body.innerHTML = '';
  sessionStorage.clear();
  vi.unstubAllGlobals();
});

describe('index.html for any path', () => {
  it('opens the secure payment page at /pay and takes its token out of the address bar', async () => {
    await openAt('pay#a-link-token');
    expect(await screen.findByRole('heading', { name: 'Secure Payment' }, { timeout: 5000 })).toBeTruthy();
    expect(location.hash).toBe('');
    expect(location.pathname).toBe(`${BASE}pay`);
  });

  it('opens the signed-in app elsewhere: its sign-in page without a session', async () => {
    await openAt('account');
    expect(await screen.findByRole('button', { name: 'Sign in' }, { timeout: 5000 })).toBeTruthy();
  });
});
