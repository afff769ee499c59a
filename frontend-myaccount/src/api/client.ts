import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError } from '../lib/problems';

const TOKEN_KEY = 'myaccount.token';

export const session = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

let onUnauthorized: (() => void) | null = null;
let missedUnauthorized = false;
/**
 * The logged-in app goes back to its login page when a signed-in call answers 401, also one that answered
 * before the handler was set (a call made as the script starts).
 */
export const setUnauthorizedHandler = (handler: () => void) => {
  onUnauthorized = handler;
  if (missedUnauthorized) {
    missedUnauthorized = false;
    handler();
  }
};

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.get();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization')) {
      session.clear();
      if (onUnauthorized) onUnauthorized();
      else missedUnauthorized = true;
    }
    return response;
  },
};

export const api = createClient<paths>({
  baseUrl: `${import.meta.env.VITE_API_BASE_URL ?? ''}/api/v1`,
  fetch: (request) => fetch(request), // looked up per call, so tests can stub it
});
api.use(auth);

/**
 * Signs out: the API ends the session first (the token then stops working on every instance), then this tab
 * forgets it. Offline, the tab forgets it anyway; the session then ends when the token expires.
 */
export async function signOut(): Promise<void> {
  try {
    await api.POST('/auth/logout');
  } catch {
    // no answer: nothing more to do here
  }
  session.clear();
}

interface Problemish {
  code?: string;
  detail?: string;
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError with the problem code
 * (`network_error` when the request never got an answer).
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError(0, 'network_error', 'network error');
  }
  const { data, error, response } = result;
  if (response.ok && data !== undefined) return data;
  const problem = (error ?? {}) as Problemish;
  const code = problem.code ?? (response.status === 401 ? 'unauthorized' : 'internal_error');
  throw new ApiError(response.status, code, problem.detail ?? response.statusText);
}

/** A fresh Idempotency-Key (crypto.randomUUID needs a secure context, so fall back to getRandomValues). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Retries a money-moving call on network errors only, with the same Idempotency-Key each time. */
export async function withNetworkRetry<T>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'network_error' || i >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000 * i));
    }
  }
}
