import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call, createApi, signOut } from '../src/api';
import { ApiError } from '../src/problems';
import { SESSION_EXPIRED, Session } from '../src/session';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' },
  });

let session: Session;
let seen: Request[];
function answer(status: number, body: unknown) {
  vi.stubGlobal('fetch', async (request: Request) => {
    seen.push(request);
    return status === 204 ? new Response(null, { status }) : json(status, body);
  });
}

beforeEach(() => {
  session = new Session('test');
  seen = [];
});
afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

describe('the API client', () => {
  it('signs a request with the session token', async () => {
    session.signIn('token-1', 'agent@example.com');
    answer(200, { id: 'c-1' });
    expect(await call(createApi(session).GET('/me'))).toEqual({ id: 'c-1' });
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer token-1');
  });

  it('ends the session when a signed-in call answers 401, saying it expired', async () => {
    session.signIn('expired', 'agent@example.com');
    const heard = vi.fn();
    session.onChange(heard);
    answer(401, { code: 'unauthorized', status: 401, title: 'Unauthorized', detail: 'expired', type: 'x' });
    await expect(call(createApi(session).GET('/me'))).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(session.token()).toBeNull();
    expect(session.who()).toBeNull();
    expect(session.endedReason()).toBe(SESSION_EXPIRED);
    expect(heard).toHaveBeenCalledTimes(1);
    expect(sessionStorage.getItem('test.token')).toBeNull();
  });

  it('leaves the session alone when a sign-in without a token answers 401 (a wrong password)', async () => {
    answer(401, { code: 'unauthorized', status: 401, title: 'Unauthorized', detail: 'wrong', type: 'x' });
    const heard = vi.fn();
    session.onChange(heard);
    const login = createApi(session).POST('/auth/client/login', { body: { email: 'a@example.com', password: 'nope' } });
    await expect(call(login)).rejects.toBeInstanceOf(ApiError);
    expect(heard).not.toHaveBeenCalled();
    expect(session.endedReason()).toBeNull();
  });

  it('turns a request that got no answer into network_error', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(call(createApi(session).GET('/config'))).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('signs out at the API first, then forgets the token, also when the API cannot be reached', async () => {
    session.signIn('token-2');
    answer(204, null);
    await signOut(createApi(session), session);
    expect(seen.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['POST /api/v1/auth/logout']);
    expect(session.token()).toBeNull();
    expect(session.endedReason()).toBeNull();

    session.signIn('token-3');
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await signOut(createApi(session), session);
    expect(session.token()).toBeNull();
  });
});

describe('the session without Web Storage', () => {
  it('keeps the token in memory when sessionStorage refuses to store', () => {
    vi.stubGlobal('sessionStorage', {
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      removeItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    session.signIn('token-4', 'dana');
    expect(session.token()).toBe('token-4');
    expect(session.who()).toBe('dana');
    session.signOut();
    expect(session.token()).toBeNull();
  });
});
