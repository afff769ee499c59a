import { render } from 'preact';
import { LocationProvider } from 'preact-iso';
import { App } from './App';
import { askForClientEarly, noteDaysPickedEarly } from './early';

// Every page but Account Information opens on Make a Payment, which waits for the client's data.
if (!location.pathname.startsWith(`${import.meta.env.BASE_URL}account`)) askForClientEarly();

// payment/index.html already shows the signed-in app's first render of Make a Payment; rendering over
// it reuses those elements (or replaces them with the login page when there is no session). Days
// picked there before this script ran are kept.
const root = document.getElementById('root');
if (root) {
  noteDaysPickedEarly(root);
  render(
    <LocationProvider scope={import.meta.env.BASE_URL}>
      <App />
    </LocationProvider>,
    root,
  );
}
