import createClient, { type Middleware } from 'openapi-fetch';
import { getToken, signOut } from '../session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Client = Schemas['Client'];
export type ClientSummary = Schemas['ClientSummary'];
export type LinkView = Schemas['LinkView'];
export type QuoteSummary = Schemas['QuoteSummary'];
export type Invoice = Schemas['Invoice'];
export type Payment = Schemas['Payment'];
export type Line = Schemas['Line'];

export const SESSION_EXPIRED = 'Your session has expired. Please sign in again.';

const baseUrl = `${import.meta.env.VITE_API_BASE_URL ?? ''}/api/v1`;

/** Adds the bearer token; a 401 on anything but the login itself ends the session. */
const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !request.url.includes('/auth/')) signOut(SESSION_EXPIRED);
    return response;
  },
};

// fetch is looked up per call (not captured once) so tests can stub it.
export const api = createClient<paths>({ baseUrl, fetch: (request) => globalThis.fetch(request) });
api.use(auth);

/**
 * Logs out: the API ends the session first (the token then stops working on every instance), then this tab
 * forgets it. Offline, the tab forgets it anyway; the session then ends when the token expires.
 */
export async function logOut(): Promise<void> {
  try {
    await api.POST('/auth/logout');
  } catch {
    // no answer: nothing more to do here
  }
  signOut();
}
