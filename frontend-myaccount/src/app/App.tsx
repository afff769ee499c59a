import { useEffect, useState } from 'preact/hooks';
import { session, setUnauthorizedHandler, signOut } from '../api/client';
import { AccountInfo } from './AccountInfo';
import { Login } from './Login';
import { MakePayment, type Paid } from './MakePayment';

const BASE = import.meta.env.BASE_URL; // '/my-account/'

function useRoute(): [string, (page: string) => void] {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = (page: string) => {
    history.pushState(null, '', BASE + page);
    setPath(BASE + page);
    scrollTo(0, 0);
  };
  return [path.startsWith(BASE) ? path.slice(BASE.length) : '', navigate];
}

/** The signed-in client's app: Payment (Make a Payment) and Account Information. */
export function App() {
  const [signedIn, setSignedIn] = useState(() => session.get() !== null);
  const [page, navigate] = useRoute();
  const [paid, setPaid] = useState<Paid | null>(null);

  useEffect(() => setUnauthorizedHandler(() => setSignedIn(false)), []);
  // A new page moves focus to its heading, so screen readers announce where they are.
  useEffect(() => document.querySelector<HTMLElement>('main h1')?.focus(), [page, signedIn]);

  if (!signedIn) {
    return (
      <Login
        onSignedIn={() => {
          setSignedIn(true);
          navigate('payment');
        }}
      />
    );
  }

  const onAccount = page.startsWith('account');
  const link = (target: string, label: string, current: boolean) => (
    <a
      href={BASE + target}
      aria-current={current ? 'page' : undefined}
      onClick={(event) => {
        event.preventDefault();
        navigate(target);
      }}
    >
      {label}
    </a>
  );

  return (
    <>
      <header class="topbar">
        <nav aria-label="Main">
          {link('payment', 'Payment', !onAccount)}
          {link('account', 'Account Information', onAccount)}
        </nav>
        <button
          type="button"
          class="link-button"
          onClick={() => {
            void signOut().then(() => setSignedIn(false));
          }}
        >
          Sign out
        </button>
      </header>
      <main class="page">
        {onAccount ? (
          <AccountInfo paid={paid} />
        ) : (
          <MakePayment
            onPaid={(payment) => {
              setPaid(payment);
              navigate('account');
            }}
          />
        )}
      </main>
    </>
  );
}
