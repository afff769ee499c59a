import { render } from 'preact';

// Two entries in one build: the secure payment page must not load the signed-in app (size budget).
const root = document.getElementById('root');
if (root) {
  if (/\/pay\/?$/.test(location.pathname)) {
    void import('./pay/PayPage').then(({ PayPage }) => render(<PayPage />, root));
  } else {
    void import('./app/App').then(({ App }) => render(<App />, root));
  }
}
