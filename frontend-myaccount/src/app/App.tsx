import { useLocation } from 'preact-iso';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { storageSurvivesReload } from '@kit/storage';
import { api, session, signOut } from '../api/client';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useWords } from '../i18n';
import { AccountInfo } from './AccountInfo';
import { Login } from './Login';
import { MakePayment, type Paid } from './MakePayment';
import { SessionWarning } from '@kit/SessionWarning';
import { formatSeconds } from '../components/Countdown';

const BASE = import.meta.env.BASE_URL; // '/my-account/'

/**
 * The signed-in client's app: Payment (Make a Payment, at `/my-account/payment` and every path without a page of
 * its own) and Account Information (`/my-account/account`). Rendered inside preact-iso's LocationProvider, which
 * keeps the address bar and Back in step; two pages are told apart by the path alone, as preact-iso's `Router`
 * would add about 1 KB (brotli) to Make a Payment's script, the one a phone waits for.
 */
export function App() {
  const [signedIn, setSignedIn] = useState(() => session.token() !== null);
  const { path, route, query } = useLocation();
  const [paid, setPaid] = useState<Paid | null>(null);
  const { t } = useWords();

  useEffect(() => {
    const sync = () => setSignedIn(session.token() !== null);
    const unsubscribe = session.onChange(sync);
    sync(); // a 401 that came before this subscribed (a call made as the script starts)
    return unsubscribe;
  }, []);
  // A new page moves focus to its heading, so screen readers announce where they are, and has its own title.
  useLayoutEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [path, signedIn]);
  // The title follows the language too (without moving focus).
  useEffect(() => {
    document.title = t.app.pageTitle(!signedIn ? t.login.pageTitle : path.startsWith(`${BASE}account`) ? t.account.heading : t.makePayment.tab);
  }, [path, signedIn, t]);

  const go = (page: string) => {
    route(BASE + page);
    scrollTo(0, 0);
  };

  if (!signedIn) return <Login reason={session.endedReason()} onSignedIn={() => go('payment')} />;

  const onAccount = path.startsWith(`${BASE}account`);
  return (
    <>
      <header class="topbar">
        <nav aria-label={t.app.nav}>
          <a href={`${BASE}payment`} aria-current={onAccount ? undefined : 'page'}>
            {t.app.payment}
          </a>
          <a href={`${BASE}account`} aria-current={onAccount ? 'page' : undefined}>
            {t.app.account}
          </a>
        </nav>
        <LanguageSwitch />
        <button type="button" class="link-button" onClick={() => void signOut()}>
          {t.app.signOut}
        </button>
      </header>
      <main class="page">
        {!storageSurvivesReload() && <p class="notice">{t.app.reloadSignsOut}</p>}
        {onAccount ? (
          <AccountInfo paid={paid} onPay={(vehicleId) => go(vehicleId ? `payment?vehicle=${encodeURIComponent(vehicleId)}` : 'payment')} />
        ) : (
          <MakePayment
            vehicle={query['vehicle']}
            onPaid={(payment) => {
              setPaid(payment);
              go('account');
            }}
          />
        )}
      </main>
      <SessionWarning
        session={session}
        api={api}
        words={(left) => t.app.sessionWarning(formatSeconds(left))}
        stayLabel={t.app.staySignedIn}
      />
    </>
  );
}
