import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, call, session, setUnauthorizedHandler } from '../api/client';
import { askForClientEarly, signedInClient } from './early';

const CLIENT = { id: 'c-1', first_name: 'Dana' };

describe('the signed-in client asked for as the script starts', () => {
  let asked: string[];
  let status: number;
  beforeEach(() => {
    asked = [];
    status = 200;
    vi.stubGlobal('fetch', async (request: Request) => {
      asked.push(`${new URL(request.url).pathname} ${request.headers.get('authorization')}`);
      const body = status === 200 ? CLIENT : { code: 'unauthorized', status };
      return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    session.clear();
  });

  it('is the first answer Make a Payment gets; it asks again after that', async () => {
    session.set('token-1');
    askForClientEarly();
    expect(await signedInClient()).toEqual(CLIENT);
    expect(asked).toEqual(['/api/v1/me Bearer token-1']);
    expect(await signedInClient()).toEqual(CLIENT);
    expect(asked).toHaveLength(2);
  });

  it('is not asked for without a session', async () => {
    askForClientEarly();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(asked).toEqual([]);
  });

  it('answered 401 before the app set its handler: the app still goes back to its login page', async () => {
    session.set('expired');
    status = 401;
    await expect(call(api.GET('/me'))).rejects.toMatchObject({ code: 'unauthorized' });
    expect(session.get()).toBeNull();
    const toLogin = vi.fn();
    setUnauthorizedHandler(toLogin);
    expect(toLogin).toHaveBeenCalledTimes(1);
    setUnauthorizedHandler(toLogin);
    expect(toLogin).toHaveBeenCalledTimes(1);
  });
});
