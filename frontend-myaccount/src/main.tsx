import { render } from 'preact';
import { lazy, LocationProvider, Route, Router } from 'preact-iso';

// Where a server answers every path with index.html: the secure payment page must not load the signed-in
// app (size budget), so each is its own chunk, loaded for its path.
const PayPage = lazy(() => import('./pay/PayPage').then((m) => m.PayPage));
const App = lazy(() => import('./app/App').then((m) => m.App));

const BASE = import.meta.env.BASE_URL; // '/my-account/'
const root = document.getElementById('root');
if (root) {
  render(
    <LocationProvider scope={BASE}>
      <Router>
        <Route path={`${BASE}pay`} component={PayPage} />
        <Route default component={App} />
      </Router>
    </LocationProvider>,
    root,
  );
}
