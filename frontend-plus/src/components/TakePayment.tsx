import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Client, type Schemas } from '../api/client';
import { capitalize, formatDate } from '@kit/format';
import { useAction, useLoad } from '../hooks';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { formatCents } from '@kit/format';
import { errorCode, problemMessage } from '@kit/problems';
import { paidStatus, todayIn } from '@kit/vehicles';
import { PaidThrough } from '@kit/PaidThrough';
import { CoveredByCredit, CreditAppliedNote, type CreditApplied } from './CoveredByCredit';
import { ErrorMessage } from './ErrorMessage';
import { InvoiceSummary } from './InvoiceSummary';
import { VehicleDaysFields, type MonitorDays } from './VehicleDaysFields';
import { call } from '@kit/api';

type Card = Schemas['Card'];
type NextPayment = Schemas['NextPayment'];
type PaymentResult = Schemas['PaymentResult'];

function cardLabel(card: Card): string {
  return `${capitalize(card.brand)} •••• ${card.last4} (exp ${String(card.exp_month).padStart(2, '0')}/${card.exp_year})`;
}

/**
 * Take Payment: the auto-calculated next payment (the vehicle due first, the client's usual days), which the
 * agent may change to another vehicle or period (then quoted afresh), a card on file, a confirm step, then the
 * charge.
 */
export function TakePayment({ client, version, onPaid }: { client: Client; version: number; onPaid: () => void }) {
  const next = useLoad(
    () => call(api.GET('/clients/{client_id}/next-payment', { params: { path: { client_id: client.id } } })),
    [client.id, version],
  );
  // The agent's own vehicle and days; null while they follow the suggestion.
  const [choice, setChoice] = useState<{ vehicleId: string; days: MonitorDays } | null>(null);
  const suggested = next.data;
  const vehicleId = choice?.vehicleId ?? suggested?.vehicle_id ?? '';
  const days: MonitorDays = choice?.days ?? (suggested?.monitor_days === 14 ? 14 : 30);
  const own = suggested !== undefined && choice !== null && (choice.vehicleId !== suggested.vehicle_id || choice.days !== suggested.monitor_days);
  const quote = useLoad(
    () =>
      own
        ? call(api.POST('/quote-summary', { body: { client_id: client.id, vehicle_id: vehicleId, monitor_days: days } }))
        : Promise.resolve(null),
    [own, vehicleId, days, version],
  );
  const [cardId, setCardId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<PaymentResult | null>(null);
  // A credit applied: the next suggestion replaces the covered one, so the answer is shown here.
  const [credited, setCredited] = useState<{ applied: CreditApplied; vehicle: string } | null>(null);
  const pay = useAction();
  const keys = useRef(new AttemptKeys()).current;
  const confirmButton = useRef<HTMLButtonElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);

  // What is shown and charged: the suggestion, or the quote of the agent's choice (with the suggestion's facts).
  const n: NextPayment | undefined = !own
    ? suggested
    : suggested && quote.data
      ? { ...quote.data, accepts_payments: suggested.accepts_payments, default_card_id: suggested.default_card_id, due_date: null }
      : undefined;
  const choose = (change: Partial<{ vehicleId: string; days: MonitorDays }>) => {
    setChoice({ vehicleId, days, ...change });
    setConfirming(false);
    setResult(null);
    pay.setError(null);
  };
  const vehicle = client.vehicles.find((v) => v.id === vehicleId);
  useEffect(() => {
    if (n && !client.cards.some((c) => c.id === cardId)) setCardId(n.default_card_id ?? client.cards[0]?.id ?? '');
  }, [n, client.cards]);
  const outcome = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  // After a charge the confirm step is gone: move focus to what happened.
  useLayoutEffect(() => {
    if (result || credited) outcome.current?.focus();
  }, [result, credited]);

  // A refused charge (a declined card, a changed total) is announced and focused: the confirm step it came from
  // is gone, and focus must not fall to the page body (WCAG 2.4.3).
  const refusal = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (pay.error) refusal.current?.focus();
  }, [pay.error]);
  // Cancel goes back to Take Payment, once it is on the page again.
  const [backToStart, setBackToStart] = useState(false);
  useLayoutEffect(() => {
    if (backToStart && !confirming) {
      startButton.current?.focus();
      setBackToStart(false);
    }
  }, [backToStart, confirming]);

  // The period the summary quotes: its paid-through date is fresher than the client's page (another payment may
  // have paid a period since), and it is what the charge says it was shown.
  const shownPaidThrough = n && n.vehicle_id === vehicleId && n.paid_through !== undefined ? n.paid_through : vehicle?.paid_through;
  const card = client.cards.find((c) => c.id === cardId);
  const accepts = client.location.accepts_payments && n?.accepts_payments !== false;

  const cancel = () => {
    setConfirming(false);
    setBackToStart(true);
  };

  const confirm = () => {
    if (!n || !card) return;
    void pay.run(async () => {
      // The period shown (its paid-through date) as well as the total: the same total can be the following period
      // once another payment (a link's) paid this one, and the API refuses that with `quote_changed` too.
      const body = {
        vehicle_id: n.vehicle_id,
        monitor_days: n.monitor_days,
        card_id: card.id,
        expected_total_cents: n.total_due_cents,
        expected_paid_through: n.paid_through,
      };
      try {
        const paid = await sendMoneyMovingPost(keys, body, (key) => call(api.POST('/clients/{client_id}/payments', {
          params: { path: { client_id: client.id }, header: { 'Idempotency-Key': key } },
          body,
        })));
        setResult(paid);
        setChoice(null); // the next suggestion follows what was just paid
        onPaid();
      } catch (problem) {
        // A changed total needs a fresh look before anyone confirms again.
        if (errorCode(problem) === 'quote_changed') void (own ? quote.reload() : next.reload());
        throw problem;
      } finally {
        setConfirming(false);
      }
    });
  };

  return (
    <section class="card" aria-labelledby="take-payment-title">
      <h2 id="take-payment-title">Take Payment</h2>
      {!accepts && (
        <p class="error refusal" role="alert">{problemMessage({ code: 'location_not_accepting_payments' })}</p>
      )}
      <div aria-live="polite" tabIndex={-1} ref={outcome}>
        {result && <PaymentOutcome result={result} />}
        {credited && <CreditAppliedNote applied={credited.applied} vehicle={credited.vehicle} />}
      </div>
      {next.loading && !suggested && <p class="muted" role="status">Calculating the next payment…</p>}
      <ErrorMessage error={next.error} />
      {suggested && (
        <>
          <p>
            Suggested: <strong>{suggested.vehicle_description}</strong>, {suggested.monitor_days} days
            {suggested.due_date && <> (due {formatDate(suggested.due_date)})</>}.
            {own && (
              <>
                {' '}
                <button type="button" class="link" onClick={() => setChoice(null)}>
                  Use the suggestion
                </button>
              </>
            )}
          </p>
          <VehicleDaysFields
            idPrefix="pay"
            client={client}
            vehicleId={vehicleId}
            days={days}
            onVehicle={(id) => choose({ vehicleId: id })}
            onDays={(d) => choose({ days: d })}
          />
          <p id="pay-vehicle-status">
            <PaidThrough status={paidStatus(shownPaidThrough, todayIn(client.location.time_zone))} />
          </p>
        </>
      )}
      {own && quote.loading && !quote.data && <p class="muted" role="status">Calculating…</p>}
      {own && <ErrorMessage error={quote.error} />}
      {n && (
        <>
          <InvoiceSummary title={own ? 'Payment' : 'Next payment'} lines={n.lines} totalCents={n.total_due_cents} />
          {n.covered_by_credit ? (
            <CoveredByCredit client={client} next={n} onApplied={(applied) => {
              setCredited({ applied, vehicle: n.vehicle_description });
              onPaid();
            }} />
          ) : (
            <>
              {client.cards.length === 0 ? <p class="muted">No card on file. Send a Secure Payment Link instead.</p> : (
                <div class="field">
                  <label for="pay-card">Card on file</label>
                  <select id="pay-card" value={cardId} disabled={confirming}
                    onChange={(e) => { setCardId(e.currentTarget.value); pay.setError(null); }}>
                    {client.cards.map((c) => <option key={c.id} value={c.id}>{cardLabel(c)}</option>)}
                  </select>
                </div>
              )}
              {!confirming ? (
                <button type="button" class="primary" ref={startButton} disabled={!accepts || !card || pay.busy}
                  onClick={() => { setResult(null); setCredited(null); pay.setError(null); setConfirming(true); }}>
                  Take Payment
                </button>
              ) : (
                <div class="confirm" role="group" aria-labelledby="confirm-text">
                  <p id="confirm-text">
                    Charge <strong class="amount">{formatCents(n.total_due_cents)}</strong> to {card ? cardLabel(card) : 'the card'}?
                  </p>
                  <button type="button" class="primary" ref={confirmButton} disabled={pay.busy} onClick={confirm}>
                    {pay.busy ? 'Charging…' : `Confirm payment of ${formatCents(n.total_due_cents)}`}
                  </button>
                  <button type="button" class="secondary" disabled={pay.busy} onClick={cancel}>Cancel</button>
                </div>
              )}
              <div tabIndex={-1} ref={refusal} class="focus-target" data-testid="take-payment-refusal">
                <ErrorMessage error={pay.error} />
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}

function PaymentOutcome({ result }: { result: PaymentResult }) {
  if (result.status === 'succeeded') {
    return (
      <p class="success" role="status">
        Payment of {formatCents(result.amount_cents)} succeeded
        {result.card_last4 && <> with {capitalize(result.card_brand ?? 'card')} •••• {result.card_last4}</>}
        {result.invoice_number && <>; invoice #{result.invoice_number} was added to the history</>}
        {result.receipt && <> (receipt {result.receipt.receipt_number})</>}.
      </p>
    );
  }
  if (result.status === 'held_for_review') {
    return (
      <p class="notice" role="status">
        The card processor reported a different amount than {formatCents(result.amount_cents)}: the payment is held for
        review and nothing was applied to the account. Do not charge again; a supervisor will look at it.
      </p>
    );
  }
  return (
    <p class="notice" role="status">
      The card processor has not confirmed the {formatCents(result.amount_cents)} payment yet (status: {result.status}).
      Do not charge again; check Account History in a minute.
    </p>
  );
}
