import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { tabStorage } from '@kit/storage';
import { errorCode } from '@kit/problems';
import { api } from '../api/client';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { ReceiptView } from '../components/ReceiptView';
import { useWords } from '../i18n';

type Receipt = Schemas['Receipt'];

const REFERENCE_KEY = 'myaccount.receipt';
const BASE = import.meta.env.BASE_URL; // '/my-account/'

/**
 * Reads the receipt reference from the fragment once, then keeps it out of the address bar (this tab only), as
 * the pay page does with a link's token: the reference opens the receipt without signing in.
 */
function takeReference(): string | null {
  const fromUrl = location.hash.slice(1);
  if (fromUrl) {
    tabStorage.setItem(REFERENCE_KEY, fromUrl);
    history.replaceState(history.state, '', location.pathname + location.search);
    return fromUrl;
  }
  return tabStorage.getItem(REFERENCE_KEY);
}

/** Shows what `load` answers once it has: a problem in words, or `show` of it. */
function Loaded<T>({ load, show }: { load: () => Promise<T>; show: (value: T) => preact.JSX.Element }) {
  const [value, setValue] = useState<T | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const w = useWords();
  useEffect(() => {
    load().then(setValue, (error: unknown) => setProblem(errorCode(error)));
  }, []);
  if (problem) {
    return (
      <div class="alert" role="alert">
        <p>{w.problem(problem)}</p>
        {problem === 'unauthorized' && <a href={`${BASE}account`}>{w.t.receiptPages.signIn}</a>}
      </div>
    );
  }
  if (value === null) return <div class="skeleton" aria-hidden="true"><span /><span /><span /></div>;
  return show(value);
}

const showReceipt = (receipt: Receipt) => <ReceiptView receipt={receipt} />;

/** The way back into the signed-in app (these pages are outside it, in their own chunk). */
function Back() {
  const { t } = useWords();
  return (
    <p class="no-print">
      <a href={`${BASE}account`}>{t.receiptPages.back}</a>
    </p>
  );
}

/** `/my-account/receipt#<reference>`: the receipt the payer opens without signing in. */
export function ReceiptPage() {
  const [reference] = useState(takeReference);
  const w = useWords();
  return (
    <main class="page">
      <LanguageSwitch />
      <h1 tabIndex={-1}>{w.t.receiptPages.title}</h1>
      {reference ? (
        // The reference goes in a header, never in a URL: URLs reach proxy access logs.
        <Loaded
          load={() => call(api.GET('/receipt', { params: { header: { 'Receipt-Reference': reference } } }))}
          show={showReceipt}
        />
      ) : (
        <p class="alert" role="alert">{w.problem('receipt_reference_required')}</p>
      )}
    </main>
  );
}

/** `/my-account/receipts`: every receipt of the signed-in client, newest first. */
export function MyReceipts() {
  const { t, money, date } = useWords();
  return (
    <main class="page">
      <LanguageSwitch />
      <Back />
      <h1 tabIndex={-1}>{t.receiptPages.list}</h1>
      <Loaded
        load={() => call(api.GET('/me/receipts'))}
        show={(receipts) =>
          receipts.length === 0 ? (
            <p class="muted">{t.receiptPages.none}</p>
          ) : (
            <ul class="plain receipts">
              {receipts.map((r) => (
                <li key={r.id}>
                  <a href={`${BASE}receipts/${r.id}`}>{r.receipt_number}</a>
                  <span class="muted"> · {date(r.local_date)} · </span>
                  {money(r.total_cents)}
                </li>
              ))}
            </ul>
          )
        }
      />
    </main>
  );
}

/** `/my-account/receipts/<id>`: one of the signed-in client's receipts. */
export function MyReceipt({ id }: { id: string }) {
  const { t } = useWords();
  return (
    <main class="page">
      <LanguageSwitch />
      <Back />
      <h1 tabIndex={-1}>{t.receiptPages.title}</h1>
      <Loaded
        load={() => call(api.GET('/me/receipts/{receipt_id}', { params: { path: { receipt_id: id } } }))}
        show={showReceipt}
      />
    </main>
  );
}
