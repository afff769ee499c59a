import { render } from 'preact';
import { LocationProvider } from 'preact-iso';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call } from '@kit/api';
import { api, session } from '../api/client';
import paymentHtml from '../../payment/index.html?raw';
import { shellOf } from '../../shell';
import { App } from './App';
import { askForClientEarly, daysPickedEarly, noteDaysPickedEarly, signedInClient } from './early';

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
    session.signOut();
  });

  it('is the first answer Make a Payment gets; it asks again after that', async () => {
    session.signIn('token-1');
    askForClientEarly();
    expect(await signedInClient()).toEqual(CLIENT);
    expect(asked).toEqual(['/api/v1/me Bearer token-1']);
    expect(await signedInClient()).toEqual(CLIENT);
    expect(asked).toHaveLength(2);
  });

  it('is not asked for without a session', async () => {
    askForClientEarly();
    session.signIn('token-2');
    expect(await signedInClient()).toEqual(CLIENT);
    // An early request would have been the answer, asked without a token.
    expect(asked).toEqual(['/api/v1/me Bearer token-2']);
  });

  it('answered 401 before the app set its handler: the app still goes back to its login page', async () => {
    session.signIn('expired');
    status = 401;
    await expect(call(api.GET('/me'))).rejects.toMatchObject({ code: 'unauthorized' });
    expect(session.token()).toBeNull();
    const root = document.createElement('div');
    act(() =>
      render(
        <LocationProvider>
          <App />
        </LocationProvider>,
        root,
      ),
    );
    expect(root.querySelector('button[type="submit"]')?.textContent).toBe('Sign in');
    act(() => render(null, root));
  });
});

describe('days picked in the HTML before the script has run', () => {
  const shell = () => {
    const root = document.createElement('div');
    root.innerHTML = shellOf(paymentHtml);
    return root;
  };
  const radio = (root: ParentNode, label: string) =>
    [...root.querySelectorAll('label')].find((l) => l.textContent === label)?.querySelector('input') as HTMLInputElement;

  it('are noted from payment/index.html and given once', () => {
    const root = shell();
    radio(root, '14 days').click();
    noteDaysPickedEarly(root);
    expect(daysPickedEarly()).toBe(14);
    expect(daysPickedEarly()).toBeUndefined();
  });

  it('are nothing when the radios are as the HTML has them', () => {
    noteDaysPickedEarly(shell());
    expect(daysPickedEarly()).toBeUndefined();
  });

  it('are the HTML’s own days when picked back after another', () => {
    const root = shell();
    radio(root, '14 days').click();
    radio(root, '30 days').click();
    noteDaysPickedEarly(root);
    expect(daysPickedEarly()).toBeUndefined();
  });
});
