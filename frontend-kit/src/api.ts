/**
 * The typed API client both apps use: openapi-fetch over the types generated from `openapi/openapi.json`
 * (`api/schema.d.ts`), the bearer token added in one middleware, and one rule for a 401.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './api/schema';
import { ApiError, NETWORK_ERROR, type Problem } from './problems';
import { SESSION_EXPIRED, type Session } from './session';

/** The API's schemas by name (`Schemas['Client']`, …). */
export type Schemas = components['schemas'];

/** A client for every operation of the API, typed by path and method. */
export type Api = Client<paths>;

/**
 * A client for `/api/v1` on `VITE_API_BASE_URL` (build time; empty: the same origin) that signs its requests
 * with `session`'s token. A 401 to a request that carried the session's current token ends the session
 * (`SESSION_EXPIRED`): the token expired, or was ended elsewhere. A 401 to a request without one (a wrong
 * password at sign-in) leaves it alone, for the sign-in page to explain.
 */
export function createApi(session: Session): Api {
  const auth: Middleware = {
    onRequest({ request }) {
      const token = session.token();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
    onResponse({ request, response }) {
      const token = session.token();
      if (response.status === 401 && token && request.headers.get('Authorization') === `Bearer ${token}`) {
        session.signOut(SESSION_EXPIRED);
      }
      return response;
    },
  };
  const api = createClient<paths>({
    baseUrl: `${import.meta.env.VITE_API_BASE_URL ?? ''}/api/v1`,
    fetch: (request) => globalThis.fetch(request), // looked up per call, so tests can stub it
  });
  api.use(auth);
  return api;
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an `ApiError` with the problem `code` the API
 * answered (`network_error`, status 0, when the request got no answer).
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError(0, NETWORK_ERROR, 'no answer from the API');
  }
  const { data, error, response } = result;
  if (response.ok && error === undefined) return data as T;
  const problem: Partial<Problem> = typeof error === 'object' && error !== null ? error : {};
  const code = problem.code ?? (response.status === 401 ? 'unauthorized' : 'internal_error');
  throw new ApiError(response.status, code, problem.detail ?? response.statusText, problem);
}

/**
 * Ends the session: the API first (the token then stops working on every instance), then this tab. Offline,
 * the tab forgets it anyway; the token then ends when it expires.
 */
export async function signOut(api: Api, session: Session): Promise<void> {
  try {
    await api.POST('/auth/logout');
  } catch {
    // no answer: nothing more to do here
  }
  session.signOut();
}
