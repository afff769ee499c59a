import { render } from 'preact';
import { PayPage } from './PayPage';

// pay/index.html already shows PayPage's first render; rendering over it reuses those elements.
const root = document.getElementById('root');
if (root) render(<PayPage />, root);
