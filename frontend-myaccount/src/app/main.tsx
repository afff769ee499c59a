import { render } from 'preact';
import { App } from './App';

// payment/index.html already shows the signed-in app's first render of Make a Payment; rendering over
// it reuses those elements (or replaces them with the login page when there is no session).
const root = document.getElementById('root');
if (root) render(<App />, root);
