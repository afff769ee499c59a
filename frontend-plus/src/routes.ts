/**
 * PLUS Web's URLs, under Vite's base (`/plus/`; the API and nginx answer index.html for any path there):
 * `/plus/` and `/plus/?q=…` (client search), `/plus/clients/<id>` and `/plus/clients/<id>/<tab>` (a client).
 * `/plus/api-keys` (API keys, admins only), `/plus/webhooks` and `/plus/webhooks/<id>` (webhook endpoints, one
 * of them with its deliveries open; admins only).
 * preact-iso's router matches them (components/App.tsx) and handles clicks on links to them.
 */
export const BASE = import.meta.env.BASE_URL;

/** The client search, with its query when there is one. */
export function searchPath(query = ''): string {
  return query ? `${BASE}?q=${encodeURIComponent(query)}` : BASE;
}

/** A client's page, on one of its tabs (`link`, the first, has no segment of its own). */
export function clientPath(clientId: string, tab = 'link'): string {
  return `${BASE}clients/${clientId}${tab === 'link' ? '' : `/${tab}`}`;
}

/** The route pattern of a client's page (preact-iso syntax). */
export const CLIENT_ROUTE = `${BASE}clients/:clientId/:tab?`;

/** The API keys page (admins). */
export const API_KEYS_PATH = `${BASE}api-keys`;

/** The webhook endpoints page (admins), with one endpoint's deliveries open when `endpointId` is given. */
export function webhooksPath(endpointId?: string): string {
  return `${BASE}webhooks${endpointId ? `/${endpointId}` : ''}`;
}

/** The route pattern of the webhook endpoints page (preact-iso syntax). */
export const WEBHOOKS_ROUTE = `${BASE}webhooks/:endpointId?`;
