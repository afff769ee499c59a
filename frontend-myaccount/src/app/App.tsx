import { useEffect, useState } from 'preact/hooks';
import { session, setUnauthorizedHandler } from '../api/client';
import { AccountInfo } from './AccountInfo';
import { Login } from './Login';
import { MakePayment } from './MakePayment';

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
  const [paidInvoiceId, setPaidInvoiceId] = useState<string | null>(null);

  useEffect(() => setUnauthorizedHandler(() => setSignedIn(false)), []);

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
            session.clear();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main class="page">
        {onAccount ? (
          <AccountInfo paidInvoiceId={paidInvoiceId} />
        ) : (
          <MakePayment
            onPaid={(invoiceId) => {
              setPaidInvoiceId(invoiceId);
              navigate('account');
            }}
          />
        )}
      </main>
    </>
  );
}
