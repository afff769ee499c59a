import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { AttemptKeys, sendMoneyMovingPost, withNetworkRetry } from '@kit/idempotency';
import { storageSurvivesReload, tabStorage } from '@kit/storage';
import { api } from '../api/client';
import { CardEntry, loadingCard, withAuthentication, type CardState } from '../components/CardEntry';
import { Countdown } from '../components/Countdown';
import { Dialog } from '../components/Dialog';
import { PayButton } from '../components/PayButton';
import { ReceiptView, cardWords, paidWhen } from '../components/ReceiptView';
import { Summary } from '../components/Summary';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { followLanguage, useWords } from '../i18n';
import { TermsDialog, TermsLink } from '../components/Terms';
import { ApiError, declineCodes, errorCode } from '@kit/problems';

import { focusOnMount } from '@kit/focus';
type LinkSummary = Schemas['LinkSummary'];
type PublicConfig = Schemas['PublicConfig'];
type PaymentResult = Schemas['PaymentResult'];
type RedeemBody = Schemas['RedeemRequest'];
type Receipt = Schemas['Receipt'];
type ReceiptSummary = Schemas['ReceiptSummary'];
type TermsDoc = Schemas['Terms'];

const BASE = import.meta.env.BASE_URL; // '/my-account/'

/** The receipt a `410 link_used` answer carries (to the link's holder), if any. */
function receiptOf(error: unknown): Receipt | undefined {
  return error instanceof ApiError ? (error.problem as Partial<Schemas['LinkUsedProblem']>).receipt ?? undefined : undefined;
}

const TOKEN_KEY = 'myaccount.link';

/** Reads the link token from the fragment once, then keeps it out of the address bar (this tab only). */
function takeToken(): string | null {
  const fromUrl = location.hash.slice(1);
  if (fromUrl) {
    tabStorage.setItem(TOKEN_KEY, fromUrl);
    history.replaceState(history.state, '', location.pathname + location.search);
    return fromUrl;
  }
  return tabStorage.getItem(TOKEN_KEY);
}

/** The end states of a link, each its own pop-up. */
type Outcome =
  | { kind: 'paid'; amountCents: number; invoiceNumber?: number | null; receipt?: ReceiptSummary | null }
  | { kind: 'confirming' }
  // The bank's answer did not match the payment (held_for_review): a person looks before anything else.
  | { kind: 'under_review' }
  // A paid link shows its receipt when the API sent it.
  | { kind: 'link_used'; receipt?: Receipt }
  // link_outdated: the account changed since the link was sent (issue 18); a new link is needed.
  | { kind: 'link_expired' | 'link_revoked' | 'link_not_found' | 'link_outdated' };

const linkCodes = new Set(['link_expired', 'link_used', 'link_revoked', 'link_not_found', 'link_outdated']);

export function PayPage({ termsAccepted = false }: { termsAccepted?: boolean }) {
  const [token] = useState(takeToken);
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [link, setLink] = useState<LinkSummary | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(token ? null : { kind: 'link_not_found' });
  const [terms, setTerms] = useState(termsAccepted);
  // The terms as the API serves them: their version is the one the payment records as accepted.
  const [termsDoc, setTermsDoc] = useState<TermsDoc | null>(null);
  // Set when they could not be loaded: the payer can try again (Pay waits for them either way).
  const [termsFailed, setTermsFailed] = useState(false);
  // What opened the terms dialog (focus goes back to it), while it is open.
  const [termsOpener, setTermsOpener] = useState<HTMLElement | null | undefined>(undefined);
  const [card, setCard] = useState<CardState>(loadingCard);
  const [declines, setDeclines] = useState(0);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ code: string; declined: boolean } | null>(null);
  const keys = useRef(new AttemptKeys()).current;
  // This page's last payment request, kept to ask for its stored answer again (same key, same body).
  const attempt = useRef<{ key: string; body: RedeemBody } | null>(null);
  const w = useWords();
  const { t, money } = w;

  const endWith = (code: string, error?: unknown) => {
    if (code === 'link_used') setOutcome({ kind: 'link_used', receipt: receiptOf(error) });
    else if (linkCodes.has(code)) setOutcome({ kind: code as 'link_expired' });
    else setProblem({ code, declined: false });
  };

  // "View receipt" when this page has no reference for it (a replayed answer): the paid link answers its receipt.
  const showReceipt = () => openLink().then(() => undefined, (error: unknown) => endWith(errorCode(error), error));

  // The token goes in a header, never in a URL: URLs reach proxy access logs.
  const openLink = () => call(api.GET('/payment-link', { params: { header: { 'Payment-Link-Token': token ?? '' } } }));

  const loadTerms = () => {
    setTermsFailed(false);
    return call(api.GET('/terms')).then(setTermsDoc, () => {
      setTermsDoc(null);
      setTermsFailed(true);
    });
  };

  useEffect(() => {
    if (!token) return;
    void loadTerms();
    call(api.GET('/config')).then(setConfig, (error: unknown) => setProblem({ code: errorCode(error), declined: false }));
    openLink().then(
      (summary) => {
        followLanguage(summary.language); // the client's language, unless this tab chose one
        setLink(summary);
        if (summary.payment_in_progress) setOutcome({ kind: 'confirming' });
      },
      (error: unknown) => endWith(errorCode(error), error),
    );
  }, [token]);

  const redeem = (key: string, body: RedeemBody) =>
    call(
      api.POST('/payment-link/redeem', {
        params: { header: { 'Payment-Link-Token': token ?? '', 'Idempotency-Key': key } },
        body,
      }),
    );

  // The link was paid. When by this page's own request whose answer was lost, repeating that request
  // (same key and body: nothing is charged again) replays the answer with the receipt number.
  const paidOutcome = async (): Promise<Outcome> => {
    const paid: Outcome = { kind: 'paid', amountCents: link?.total_due_cents ?? 0 };
    if (!attempt.current) return paid;
    try {
      const result = await redeem(attempt.current.key, attempt.current.body);
      return result.status === 'succeeded'
        ? { kind: 'paid', amountCents: result.amount_cents, invoiceNumber: result.invoice_number, receipt: result.receipt }
        : paid;
    } catch {
      return paid; // paid from another device or tab: no receipt of ours to show
    }
  };

  // While the gateway's answer is being confirmed, ask the link until it is paid or payable again.
  useEffect(() => {
    if (outcome?.kind !== 'confirming' || !token) return;
    const timer = setInterval(() => {
      openLink().then(
        (summary) => {
          if (summary.payment_in_progress) return;
          setOutcome(null);
          setProblem({ code: 'processing_error', declined: true });
        },
        (error: unknown) => {
          const code = errorCode(error);
          if (code === 'link_used') {
            clearInterval(timer);
            paidOutcome().then(setOutcome);
          } else if (code !== 'network_error') endWith(code, error);
        },
      );
    }, 3000);
    return () => clearInterval(timer);
  }, [outcome?.kind]);

  const [checks, setChecks] = useState(0);
  const [done, setDone] = useState(false);
  const pay = async (event: Event) => {
    event.preventDefault();
    if (!token || !link || busy) return;
    // Something missing: show what, and go to it (the button submits though it looks unavailable).
    if (!card.valid) return setChecks((n) => n + 1);
    if (!terms) return document.getElementById('accept-terms')?.focus();
    if (!termsDoc) return; // Pay waits for the terms: their version is recorded with the payment
    setBusy(true);
    setProblem(null);
    let sent = false;
    try {
      const paymentToken = await card.tokenize();
      sent = true;
      const body: RedeemBody = { payment_token: paymentToken, accept_terms: true, terms_version: termsDoc.version };
      const answer: PaymentResult = await sendMoneyMovingPost(keys, body, (key) => {
        attempt.current = { key, body };
        return redeem(key, body);
      });
      // The bank may ask the payer to confirm (3-D Secure): the card entry runs its challenge, then the API
      // records what the gateway says.
      const result = await withAuthentication(answer, card, () =>
        withNetworkRetry(() =>
          call(
            api.POST('/payment-link/confirm', {
              params: { header: { 'Payment-Link-Token': token } },
              body: { payment_id: answer.payment_id },
            }),
          ),
        ),
      );
      setOutcome(
        result.status === 'succeeded'
          ? { kind: 'paid', amountCents: result.amount_cents, invoiceNumber: result.invoice_number, receipt: result.receipt }
          : result.status === 'held_for_review'
            ? { kind: 'under_review' }
            : { kind: 'confirming' },
      );
    } catch (error) {
      const code = errorCode(error);
      if (sent && code === 'network_error') {
        // The payment may have reached the API: ask the link what happened instead of guessing.
        setOutcome({ kind: 'confirming' });
      } else if (code === 'terms_version_stale') {
        // The terms changed since this page loaded them: show the new ones and ask again.
        setTerms(false);
        setTermsDoc(null);
        setProblem({ code, declined: false });
        void loadTerms();
        setTermsOpener(document.getElementById('accept-terms'));
      } else if (declineCodes.has(code)) {
        setDeclines((n) => n + 1); // the card fields keep what may be kept and take the focus; the terms stay accepted
        setProblem({ code, declined: true });
      } else endWith(code, error);
    } finally {
      setBusy(false);
    }
  };

  // "Text me a new link" (WCAG 2.2.1): the expired link's token, in a header, asks for a fresh one to its phone.
  const renew = () =>
    call(api.POST('/payment-link/renewal', { params: { header: { 'Payment-Link-Token': token ?? '' } } }));

  const supportPhone = link?.support_phone ?? config?.support_phone;
  // The title says where the payer is: the pop-up's name once there is one (WCAG 2.4.2).
  useEffect(() => {
    const company = config?.company_name;
    const state = outcome ? t.pay.outcomes[outcome.kind] : t.pay.title;
    document.title = company ? `${state} – ${company}` : state;
  }, [outcome?.kind, config?.company_name, t]);
  const open = outcome === null;
  // Once the link is here, Pay waits for the terms too, and says so (with a retry when they failed to load).
  const termsWait = link && !termsDoc ? (termsFailed ? t.pay.termsFailed : t.pay.termsLoading) : null;

  if (outcome?.kind === 'link_used' && outcome.receipt) {
    // Reopened after paying: the receipt, to keep or print.
    return (
      <main class="page">
        <LanguageSwitch />
        <h1 tabIndex={-1}>{t.pay.title}</h1>
        <p class="notice no-print" role="status">
          {t.pay.paidReceipt}
        </p>
        <ReceiptView receipt={outcome.receipt} company={config?.company_name} />
      </main>
    );
  }

  if (outcome && !link) {
    // Nothing to pay here: only the pop-up saying why.
    return (
      <main class="page">
        <LanguageSwitch />
        <h1>{t.pay.title}</h1>
        <OutcomeDialog outcome={outcome} supportPhone={supportPhone} onRenew={renew} />
      </main>
    );
  }

  if (done) {
    // After "Done": the flow's end, with nothing left to press.
    return (
      <main class="page">
        <LanguageSwitch />
        <Brand config={config} />
        <h1 tabIndex={-1} ref={focusOnMount}>
          {t.pay.thankYou}
        </h1>
        <p role="status">{t.pay.complete}</p>
      </main>
    );
  }

  return (
    <main class="page">
      <LanguageSwitch />
      <Brand config={config} />
      <h1>{t.pay.title}</h1>
      <p class="greeting">{link ? t.pay.greetingFor(link) : '\u00a0'}</p>
      <p class="muted vehicle">{link ? t.pay.vehicle(link.vehicle_description, link.monitor_days) : '\u00a0'}</p>
      {link && open ? (
        <Countdown secondsLeft={link.seconds_left} onExpired={() => setOutcome({ kind: 'link_expired' })} />
      ) : (
        <p class="countdown">&nbsp;</p>
      )}
      <Summary lines={link?.lines ?? null} totalCents={link?.total_due_cents} />

      {link && !storageSurvivesReload() && (
        <p class="notice">{t.pay.keepOpen}</p>
      )}
      <form onSubmit={pay} noValidate>
        {/* The fields' frame shows before /config answers, so nothing below it moves when it does. */}
        <CardEntry
          declines={declines}
          checks={checks}
          gateway={config?.gateway ?? null}
          publishableKey={config?.stripe_publishable_key}
          onChange={setCard}
        />
        <div role="alert" class="alert-slot">
          {problem && (
            <div class="alert">
              <p>{w.problem(problem.code)}</p>
              {problem.declined && (
                <button type="button" class="secondary" onClick={() => document.querySelector<HTMLInputElement>('.card-fields input')?.focus()}>
                  {t.pay.tryAnotherCard}
                </button>
              )}
            </div>
          )}
        </div>
        <label class="check">
          <input type="checkbox" id="accept-terms" checked={terms} onChange={(e) => setTerms((e.target as HTMLInputElement).checked)} />
          {/* One text node, as in pay/index.html: filling in the name and the amount changes its text in place. */}
          <span>{t.pay.terms(config?.company_name, link ? money(link.total_due_cents) : undefined)}</span>
        </label>
        <TermsLink
          onOpen={(opener) => {
            setTermsOpener(opener);
            if (!termsDoc) void loadTerms(); // it failed to load with the page: try again
          }}
        />
        <PayButton
          ready={terms && card.valid && link !== null && termsDoc !== null}
          waiting={link === null}
          reason={termsWait}
          busy={busy}
          missing={card.missing}
          steps={terms ? [] : [t.payHint.acceptTerms]}
        />
        {link && termsFailed && (
          <button type="button" class="secondary" onClick={() => void loadTerms()}>
            {t.pay.termsRetry}
          </button>
        )}
      </form>

      {termsOpener !== undefined && !outcome && (
        <TermsDialog terms={termsDoc} opener={termsOpener} onClose={() => setTermsOpener(undefined)} />
      )}
      {outcome && (
        <OutcomeDialog
          outcome={outcome}
          supportPhone={supportPhone}
          onViewReceipt={showReceipt}
          onRenew={renew}
          onDone={() => setDone(true)}
        />
      )}
    </main>
  );
}

/**
 * The page's header line: the company's logo when one is configured (`COMPANY_LOGO_URL`; its alt text is the
 * company's name), else the name in text. The line is 40 px high either way and the logo a fixed 160 × 40 px box
 * (scaled to fit), so nothing moves when `/config` answers or the image loads.
 */
function Brand({ config }: { config: PublicConfig | null }) {
  if (config?.company_logo_url)
    return (
      <p class="pay-brand">
        <img src={config.company_logo_url} width={160} height={40} alt={config.company_name} />
      </p>
    );
  return <p class="pay-brand">{config?.company_name ?? '\u00a0'}</p>;
}

function OutcomeDialog({
  outcome,
  supportPhone,
  onViewReceipt,
  onRenew,
  onDone,
}: {
  outcome: Outcome;
  supportPhone?: string;
  onViewReceipt?: () => void;
  onDone?: () => void;
  onRenew?: () => Promise<Schemas['RenewedLink']>;
}) {
  const w = useWords();
  const { t } = w;
  const call = supportPhone && (
    <p>
      {t.common.callSupport} <a href={`tel:${supportPhone.replace(/[^\d+]/g, '')}`}>{supportPhone}</a>.
    </p>
  );
  switch (outcome.kind) {
    case 'paid': {
      const receipt = outcome.receipt;
      const vehicle = receipt?.vehicles[0];
      return (
        <Dialog title={t.pay.outcomes.paid}>
          <p>
            {t.pay.received} <strong>{w.money(outcome.amountCents)}</strong>.
          </p>
          {receipt ? (
            <dl class="facts">
              <dt>{t.pay.date}</dt>
              <dd>{paidWhen(receipt, w)}</dd>
              <dt>{t.common.card}</dt>
              <dd>{cardWords(receipt.card_brand, receipt.card_last4, w)}</dd>
              <dt>{t.pay.receipt}</dt>
              <dd>
                <strong>{receipt.receipt_number}</strong>
              </dd>
              {vehicle && (
                <>
                  <dt>{t.pay.paidThrough}</dt>
                  <dd>{w.date(vehicle.paid_through)}</dd>
                </>
              )}
            </dl>
          ) : (
            outcome.invoiceNumber != null && (
              <p>
                {t.pay.invoiceNumber} <strong>{outcome.invoiceNumber}</strong>
              </p>
            )
          )}
          {receipt?.receipt_reference ? (
            // The reference rides in the fragment: the browser never sends it, so no log holds it.
            <a class="button-link" href={`${BASE}receipt#${receipt.receipt_reference}`}>
              {t.pay.viewReceipt}
            </a>
          ) : (
            receipt &&
            onViewReceipt && (
              <button type="button" class="secondary" onClick={onViewReceipt}>
                {t.pay.viewReceipt}
              </button>
            )
          )}
          {onDone && (
            <button type="button" class="primary" onClick={onDone}>
              {t.pay.done}
            </button>
          )}
        </Dialog>
      );
    }
    case 'confirming':
      return (
        <Dialog title={t.pay.outcomes.confirming}>
          <p>{t.pay.confirmingText}</p>
          <p class="muted" aria-live="polite">{t.pay.updatesItself}</p>
        </Dialog>
      );
    case 'under_review':
      return (
        <Dialog title={t.pay.outcomes.under_review}>
          <p>{t.pay.underReviewText}</p>
          {call}
        </Dialog>
      );
    case 'link_expired':
      return (
        <Dialog title={t.pay.outcomes.link_expired}>
          <p>{t.pay.expiredText}</p>
          {onRenew && <RenewLink onRenew={onRenew} />}
          {call}
        </Dialog>
      );
    case 'link_outdated':
      // An end state: nothing here can be paid any more. A new link carries a fresh quote.
      return (
        <Dialog title={t.pay.outcomes.link_outdated}>
          <p>{t.pay.outdatedText}</p>
          {onRenew && (
            <>
              <p>{t.pay.outdatedNext}</p>
              <RenewLink onRenew={onRenew} />
            </>
          )}
          {call}
        </Dialog>
      );
    case 'link_used':
      return (
        <Dialog title={t.pay.outcomes.link_used}>
          <p>{w.problem('link_used')}</p>
          {call}
        </Dialog>
      );
    case 'link_revoked':
      return (
        <Dialog title={t.pay.outcomes.link_revoked}>
          <p>{w.problem('link_revoked')}</p>
          {call}
        </Dialog>
      );
    case 'link_not_found':
      return (
        <Dialog title={t.pay.outcomes.link_not_found}>
          <p>{w.problem('link_not_found')}</p>
          {call}
        </Dialog>
      );
  }
}

/**
 * "Text me a new link" on the expired dialog: one button, then where the new link went (announced) or why not.
 * The 10 minutes themselves are essential (docs/payments.md, "Why ten minutes").
 */
function RenewLink({ onRenew }: { onRenew: () => Promise<Schemas['RenewedLink']> }) {
  const [state, setState] = useState<'idle' | 'busy' | { sentTo: string } | { code: string }>('idle');
  const w = useWords();
  const ask = () => {
    setState('busy');
    onRenew().then(
      (renewed) => setState({ sentTo: renewed.phone_masked }),
      (error: unknown) => setState({ code: errorCode(error) }),
    );
  };
  return (
    <>
      {typeof state === 'object' && 'sentTo' in state ? null : (
        <button type="button" class="primary" onClick={ask} disabled={state === 'busy'} aria-busy={state === 'busy'}>
          {w.t.pay.renew}
        </button>
      )}
      <p role="status" class="renew-result">
        {typeof state === 'object' &&
          ('sentTo' in state
            ? w.t.pay.renewed(state.sentTo)
            : w.problem(state.code))}
      </p>
    </>
  );
}
