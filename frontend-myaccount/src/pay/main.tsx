import { render } from 'preact';
import { PayPage } from './PayPage';

// pay/index.html already shows PayPage's first render; rendering over it reuses those elements. Someone may
// tick the terms there before the script has run: the page starts from what they did.
const root = document.getElementById('root');
if (root) {
  const termsAccepted = root.querySelector<HTMLInputElement>('form input[type="checkbox"]')?.checked ?? false;
  render(<PayPage termsAccepted={termsAccepted} />, root);
}
