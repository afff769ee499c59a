import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { RELOAD_SIGNS_OUT, storageSurvivesReload } from '@kit/storage';
import { api, session, signOut } from '../api/client';
import { AccountInfo } from './AccountInfo';
import { Login } from './Login';
import { MakePayment, type Paid } from './MakePayment';
import { SessionWarning } from '@kit/SessionWarning';

const BASE = import.meta.env.BASE_URL; // '/my-account/'

/**
 * The signed-in client's app: Payment (Make a Payment, at `/my-account/payment` and every path without a page of
 * its own) and Account Information (`/my-account/account`). Rendered inside preact-iso's LocationProvider, which
 * keeps the address bar and Back in step; two pages are told apart by the path alone, as preact-iso's `Router`
 * would add about 1 KB (brotli) to Make a Payment's script, the one a phone waits for.
 */
export function App() {
  const [signedIn, setSignedIn] = useState(() => session.token() !== null);
  const { path, route } = useLocation();
  const [paid, setPaid] = useState<Paid | null>(null);

  useEffect(() => {
    const sync = () => setSignedIn(session.token() !== null);
    const unsubscribe = session.onChange(sync);
    sync(); // a 401 that came before this subscribed (a call made as the script starts)
    return unsubscribe;
  }, []);
  // A new page moves focus to its heading, so screen readers announce where they are, and has its own title.
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
    document.title = `${!signedIn ? 'Sign in' : path.startsWith(`${BASE}account`) ? 'Account Information' : 'Make a Payment'} – My Account`;
  }, [path, signedIn]);

  const go = (page: string) => {
    route(BASE + page);
    scrollTo(0, 0);
  };

  if (!signedIn) return <Login reason={session.endedReason()} onSignedIn={() => go('payment')} />;

  const onAccount = path.startsWith(`${BASE}account`);
  return (
    <>
      <header class="topbar">
        <nav aria-label="Main">
          <a href={`${BASE}payment`} aria-current={onAccount ? undefined : 'page'}>
            Payment
          </a>
          <a href={`${BASE}account`} aria-current={onAccount ? 'page' : undefined}>
            Account Information
          </a>
        </nav>
        <button type="button" class="link-button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main class="page">
        {!storageSurvivesReload() && <p class="notice">{RELOAD_SIGNS_OUT}</p>}
        {onAccount ? (
          <AccountInfo paid={paid} />
        ) : (
          <MakePayment
            onPaid={(payment) => {
              setPaid(payment);
              go('account');
            }}
          />
        )}
      </main>
      <SessionWarning session={session} api={api} />
    </>
  );
}
