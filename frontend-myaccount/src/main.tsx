import { render } from 'preact';
import { lazy, LocationProvider, Route, Router } from 'preact-iso';

// Where a server answers every path with index.html: the secure payment page must not load the signed-in
// app (size budget), so each is its own chunk, loaded for its path.
const PayPage = lazy(() => import('./pay/PayPage').then((m) => m.PayPage));
const App = lazy(() => import('./app/App').then((m) => m.App));
// Receipts (by reference, without signing in; and the signed-in client's): their own chunk too, kept out of the
// scripts a phone waits for.
const receipts = () => import('./receipt/ReceiptPage');
const ReceiptPage = lazy(() => receipts().then((m) => m.ReceiptPage));
const MyReceipts = lazy(() => receipts().then((m) => m.MyReceipts));
const MyReceipt = lazy(() => receipts().then((m) => m.MyReceipt)); // preact-iso passes the path's `id` as a prop

const BASE = import.meta.env.BASE_URL; // '/my-account/'
const root = document.getElementById('root');
if (root) {
  render(
    <LocationProvider scope={BASE}>
      <Router>
        <Route path={`${BASE}pay`} component={PayPage} />
        <Route path={`${BASE}receipt`} component={ReceiptPage} />
        <Route path={`${BASE}receipts`} component={MyReceipts} />
        <Route path={`${BASE}receipts/:id`} component={MyReceipt} />
        <Route default component={App} />
      </Router>
    </LocationProvider>,
    root,
  );
}
