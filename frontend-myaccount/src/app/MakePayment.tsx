import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { AttemptKeys, sendMoneyMovingPost, withNetworkRetry } from '@kit/idempotency';
import { api } from '../api/client';
import { CardEntry, noCard, withAuthentication, type CardState } from '../components/CardEntry';
import { PayButton } from '../components/PayButton';
import { Summary } from '../components/Summary';
import { AutoPayStatus } from './AutoPayStatus';
import { NextAppointment } from './NextAppointment';
import { SendPaymentLink } from './SendPaymentLink';
import { daysPickedEarly, signedInClient } from './early';
import { capitalize } from '@kit/format';
import { declineCodes, errorCode } from '@kit/problems';
import { todayIn } from '@kit/vehicles';
import { useWords, vehicleStatus } from '../i18n';
import { PaidThrough } from '@kit/PaidThrough';

type Client = Schemas['Client'];
type PublicConfig = Schemas['PublicConfig'];
type QuoteSummary = Schemas['QuoteSummary'];

/** What Account Information shows about the payment just made. */
export interface Paid {
  invoiceId: string | null;
  receiptId?: string;
  receiptNumber?: string;
  confirmed: boolean;
}

const NEW_CARD = 'new';

/** Make a Payment: vehicle → days → Payment Summary → card → pay. */
/**
 * `vehicle`: the vehicle to start from (Account Information's "Pay now" names the one due), when it is the
 * client's; else the one due first.
 */
export function MakePayment({ onPaid, vehicle }: { onPaid: (paid: Paid) => void; vehicle?: string }) {
  const [me, setMe] = useState<Client | null>(null);
  const [config, setConfig] = useState<PublicConfig | null>(null);
  const [vehicleId, setVehicleId] = useState<string | null>(null);
  const [picked] = useState(daysPickedEarly); // in the page's HTML, before the script ran
  const [days, setDays] = useState<14 | 30>(picked ?? 30);
  const daysChosen = useRef(picked !== undefined); // the plan's days are only a default: a choice made before /me answers stays
  const [quote, setQuote] = useState<QuoteSummary | null>(null);
  const [method, setMethod] = useState(NEW_CARD);
  const [card, setCard] = useState<CardState>(noCard);
  const [declines, setDeclines] = useState(0);
  const [saveCard, setSaveCard] = useState(false);
  const [autopay, setAutopay] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const keys = useRef(new AttemptKeys()).current;
  const w = useWords();
  const { t, money } = w;

  useEffect(() => {
    signedInClient().then(
      (client) => {
        setMe(client);
        // The vehicle whose monitoring runs out first (lapsed or soonest due: the API's one rule), never simply
        // the first listed.
        const asked = client.vehicles.find((v) => v.id === vehicle)?.id;
        setVehicleId(asked ?? client.next_vehicle_id ?? client.vehicles[0]?.id ?? null);
        if (!daysChosen.current) setDays(client.plan_days === 14 ? 14 : 30);
        setMethod(client.autopay_card_id ?? client.cards[0]?.id ?? NEW_CARD);
      },
      (e: unknown) => setProblem(errorCode(e)),
    );
    call(api.GET('/config')).then(setConfig, (e: unknown) => setProblem(errorCode(e)));
  }, []);

  const loadQuote = () => {
    if (!me || !vehicleId) return;
    setQuote(null);
    call(api.POST('/quote-summary', { body: { client_id: me.id, vehicle_id: vehicleId, monitor_days: days } })).then(
      setQuote,
      (e: unknown) => setProblem(errorCode(e)),
    );
  };
  useEffect(loadQuote, [me, vehicleId, days]);

  const newCard = method === NEW_CARD;
  const today = todayIn(me?.location.time_zone);
  const cardSaved = !newCard || saveCard;
  const ready = quote !== null && !quote.covered_by_credit && (!newCard || card.valid);

  const [checks, setChecks] = useState(0);
  const pay = async (event: Event) => {
    event.preventDefault();
    // A new card with something missing: show what, and go to it (the button submits though it looks unavailable).
    if (quote !== null && newCard && !card.valid) return setChecks((n) => n + 1);
    if (!ready || !vehicleId || busy) return;
    setBusy(true);
    setProblem(null);
    try {
      // A new card is kept by the payment itself, only if it succeeds (`save_card`): saving it first would keep
      // a card its payment then declined (issue 18).
      const source = newCard
        ? { payment_token: await card.tokenize(), save_card: saveCard }
        : { card_id: method };
      const body = {
        vehicle_id: vehicleId,
        monitor_days: days,
        expected_total_cents: quote.total_due_cents,
        // The period shown, not only its total: once a link's payment paid it, the same total would pay the next.
        expected_paid_through: quote.paid_through,
        enroll_autopay: autopay && cardSaved,
        ...source,
      };
      const answer = await sendMoneyMovingPost(keys, body, (key) =>
        call(api.POST('/me/payments', { params: { header: { 'Idempotency-Key': key } }, body })),
      );
      // The bank may ask the client to confirm (3-D Secure): the card entry runs its challenge, then the API
      // records what the gateway says.
      // A card on file has no card entry on the page to run the challenge in: the confirm says how it stands.
      const result = await withAuthentication(answer, newCard ? card : { ...noCard, authenticate: async () => {} }, () =>
        withNetworkRetry(() =>
          call(api.POST('/me/payments/{payment_id}/confirm', { params: { path: { payment_id: answer.payment_id } } })),
        ),
      );
      onPaid({
        invoiceId: result.invoice_id ?? null,
        receiptId: result.receipt?.receipt_id,
        receiptNumber: result.receipt?.receipt_number,
        confirmed: result.status === 'succeeded',
      });
    } catch (error) {
      const code = errorCode(error);
      // The card fields keep what may be kept and take the focus (CardEntry's `declines`).
      if (declineCodes.has(code) && newCard) setDeclines((n) => n + 1);
      if (code === 'quote_changed') loadQuote();
      setProblem(code);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>{t.makePayment.heading}</h1>
      <div role="tablist" aria-label={t.makePayment.heading} class="tabs">
        <button type="button" role="tab" aria-selected="true" id="tab-make" aria-controls="panel-make">
          {t.makePayment.tab}
        </button>
      </div>
      <div id="panel-make" role="tabpanel" aria-labelledby="tab-make">
        <form onSubmit={pay}>
          <fieldset>
            <legend>{t.makePayment.vehicle}</legend>
            {me === null && <div class="skeleton" aria-hidden="true"><span /><span /></div>}
            {me?.vehicles.map((vehicle) => {
              // The summary's paid-through date is fresher than /me's (another payment may have paid a period since),
              // and it is the period the payment says it was shown.
              const paidThrough = quote?.vehicle_id === vehicle.id ? quote.paid_through : vehicle.paid_through;
              const status = vehicleStatus(paidThrough, today, w);
              return (
                <label class="choice" key={vehicle.id}>
                  <input type="radio" name="vehicle" checked={vehicleId === vehicle.id} onChange={() => setVehicleId(vehicle.id)} />
                  <span>
                    {vehicle.description}
                    {vehicle.plate && <span class="muted"> · {vehicle.plate}</span>}
                    <br />
                    <PaidThrough status={status} />
                    <NextAppointment appointment={vehicle.next_appointment} />
                  </span>
                </label>
              );
            })}
          </fieldset>
          <fieldset>
            <legend>{t.makePayment.days}</legend>
            <div class="row">
              {([14, 30] as const).map((d) => (
                <label class="choice" key={d}>
                  <input
                    type="radio"
                    name="days"
                    value={String(d)}
                    checked={days === d}
                    onChange={() => {
                      daysChosen.current = true;
                      setDays(d);
                    }}
                  />
                  <span>{t.common.days(d)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <Summary
            lines={quote?.lines ?? null}
            totalCents={quote?.total_due_cents}
            caption={quote ? t.makePayment.caption(quote.vehicle_description, quote.monitor_days) : '\u00a0'}
          />
          {/* Below the summary it explains: its arrival with /me moves nothing above it. */}
          {me && me.past_due_cents > 0 && (
            <p class="notice">
              {t.makePayment.pastDue} <strong>{money(me.past_due_cents)}</strong>. {t.makePayment.pastDueIncluded}
            </p>
          )}
          {me?.autopay_enabled && <AutoPayStatus client={me} brief />}
          <fieldset>
            <legend>{t.makePayment.card}</legend>
            {me?.cards.map((c) => (
              <label class="choice" key={c.id}>
                <input type="radio" name="card" checked={method === c.id} onChange={() => setMethod(c.id)} />
                <span>
                  {t.common.cardEnding(capitalize(c.brand), c.last4)}{' '}
                  <span class="muted">{t.common.expires(`${String(c.exp_month).padStart(2, '0')}/${c.exp_year}`)}</span>
                </span>
              </label>
            ))}
            <label class="choice">
              <input type="radio" name="card" checked={newCard} onChange={() => setMethod(NEW_CARD)} />
              <span>{t.makePayment.newCard}</span>
            </label>
          </fieldset>
          {/* Not before /me: a client with a saved card pays with it, and the card fields would come and go. */}
          {me && newCard && config && (
            <>
              <CardEntry declines={declines} checks={checks} gateway={config.gateway} publishableKey={config.stripe_publishable_key} onChange={setCard} />
              <label class="check">
                <input type="checkbox" checked={saveCard} onChange={(e) => setSaveCard((e.target as HTMLInputElement).checked)} />
                <span>{t.makePayment.saveCard}</span>
              </label>
            </>
          )}
          {me && !me.autopay_enabled && (
            <div class="promo">
              <label class="check">
                <input
                  type="checkbox"
                  checked={autopay && cardSaved}
                  disabled={!cardSaved}
                  onChange={(e) => setAutopay((e.target as HTMLInputElement).checked)}
                />
                <span>
                  <strong>{t.makePayment.autopayStrong}</strong>
                  {t.makePayment.autopayText}
                  {!cardSaved && t.makePayment.autopayNeedsSave}
                </span>
              </label>
            </div>
          )}
          <div role="alert" class="alert-slot">
            {problem && <p class="alert">{w.problem(problem)}</p>}
          </div>
          {quote?.covered_by_credit ? (
            // Nothing to charge: staff apply the credit (a card is never charged zero).
            <p class="notice" role="status">{t.makePayment.creditCovers}</p>
          ) : (
            <PayButton
              ready={ready}
              busy={busy}
              missing={newCard ? card.missing : []}
              waiting={quote === null}
              label={quote ? t.makePayment.payAmount(money(quote.total_due_cents)) : t.common.makePayment}
            />
          )}
        </form>
        {me && <SendPaymentLink client={me} />}
      </div>
    </>
  );
}
