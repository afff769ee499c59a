import { render, type VNode } from 'preact';
import { act } from 'preact/test-utils';
import { LocationProvider } from 'preact-iso';
import { afterEach, describe, expect, it, vi } from 'vitest';
import payHtml from '../pay/index.html?raw';
import paymentHtml from '../payment/index.html?raw';
import { shellOf } from '../shell';
import { App } from './app/App';
import { PayPage } from './pay/PayPage';

afterEach(() => {
  document.body.innerHTML = '';
  sessionStorage.clear();
  vi.unstubAllGlobals();
});

// The HTML of these pages paints before any script runs. The script's first render must then take
// every element and text over as it is: a node added, removed or rewritten would be painted again
// (a flash, a layout shift, a later Largest Contentful Paint) and would mean the HTML went stale.
describe('the first render written into the HTML of a page', () => {
  it.each<[string, string, () => VNode]>([
    [
      'pay/index.html',
      payHtml,
      () => {
        history.replaceState(null, '', `${import.meta.env.BASE_URL}pay#a-link-token`);
        return <PayPage />;
      },
    ],
    [
      'payment/index.html',
      paymentHtml,
      () => {
        sessionStorage.setItem('myaccount.token', 'a-session-token');
        history.replaceState(null, '', `${import.meta.env.BASE_URL}payment`);
        return (
          <LocationProvider>
            <App />
          </LocationProvider>
        );
      },
    ],
  ])('%s is what its page renders before its data arrives, and the page keeps all of it', (_, html, page) => {
    vi.stubGlobal('fetch', () => new Promise<never>(() => {})); // the API has not answered yet
    const root = document.createElement('div');
    root.id = 'root';
    document.body.append(root);
    root.innerHTML = shellOf(html).replaceAll('/my-account/', import.meta.env.BASE_URL);
    const served = root.innerHTML;
    const changes = new MutationObserver(() => {});
    changes.observe(root, { childList: true, characterData: true, characterDataOldValue: true, subtree: true });

    act(() => render(page(), root)); // with its effects: the API calls are on their way

    // (Preact writes each text once as it takes it over; writing the same text changes nothing.)
    const rewrites = changes.takeRecords().filter((r) => r.type === 'childList' || r.oldValue !== r.target.nodeValue);
    expect(rewrites.map((r) => `${r.type} in <${r.target.nodeName}>: ${r.oldValue ?? ''}`)).toEqual([]);
    expect(root.innerHTML).toBe(served);
    act(() => render(null, root));
  });
});
