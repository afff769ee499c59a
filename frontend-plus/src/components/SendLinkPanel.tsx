import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Client, type LinkView, type QuoteSummary } from '../api/client';
import { formatPhone, formatTime, minutesFromNow } from '@kit/format';
import { useAction } from '../hooks';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { errorCode, problemMessage } from '@kit/problems';
import { ErrorMessage } from './ErrorMessage';
import { InvoiceSummary } from './InvoiceSummary';
import { defaultDays, type MonitorDays, VehicleDaysFields } from './VehicleDaysFields';
import { call } from '@kit/api';

const NOT_ACCEPTING = 'location_not_accepting_payments';

/** Send Secure Payment Link: pick vehicle and days, get the summary, text the link. */
export function SendLinkPanel({ client, onSent }: { client: Client; onSent: () => void }) {
  const [open, setOpen] = useState(false);
  const [vehicleId, setVehicleId] = useState(client.next_vehicle_id ?? client.vehicles[0]?.id ?? '');
  const [days, setDays] = useState<MonitorDays>(defaultDays(client));
  const [phone, setPhone] = useState(formatPhone(client.phone));
  const [quote, setQuote] = useState<QuoteSummary | null>(null);
  const [sent, setSent] = useState<LinkView | null>(null);
  const summary = useAction();
  const send = useAction();
  const keys = useRef(new AttemptKeys()).current;

  const refused = [summary.error, send.error].some((e) => errorCode(e) === NOT_ACCEPTING);
  const notAccepting = !client.location.accepts_payments || refused;
  const noVehicle = client.vehicles.length === 0;

  // Once a summary was asked for, a new vehicle or number of days asks for it again (never a stale summary).
  const [asked, setAsked] = useState(false);
  const pick = (change: () => void) => {
    change();
    setQuote(null);
    setSent(null);
  };
  // Where focus goes after an action (WCAG 2.4.3): the summary, or the sent message; never the page body.
  const focusAfter = useRef<string | null>(null);
  useLayoutEffect(() => {
    const id = focusAfter.current;
    if (id && document.getElementById(id)) {
      document.getElementById(id)?.focus();
      focusAfter.current = null;
    }
  });

  const getSummary = (focus = true) =>
    void summary.run(async () => {
      setSent(null);
      setAsked(true);
      const body = { client_id: client.id, vehicle_id: vehicleId, monitor_days: days };
      setQuote(await call(api.POST('/quote-summary', { body })));
      if (focus) focusAfter.current = 'link-summary';
    });
  useEffect(() => {
    if (asked) getSummary(false);
  }, [vehicleId, days]);

  const sendMessage = (event: Event) => {
    event.preventDefault();
    if (!quote) return;
    void send.run(async () => {
      const body = { client_id: client.id, vehicle_id: quote.vehicle_id, monitor_days: quote.monitor_days, phone: phone.trim() };
      const link = await sendMoneyMovingPost(keys, body, (key) =>
        call(api.POST('/payment-links', { body, params: { header: { 'Idempotency-Key': key } } })));
      setSent(link);
      focusAfter.current = 'link-sent';
      onSent();
    });
  };

  // Why Send Message cannot be pressed yet, in words (shown beside it and read with it).
  const blocked = notAccepting
    ? 'Send Message is off: this location does not accept payments.'
    : !quote
      ? summary.busy ? 'Getting the summary…' : 'Send Message is off until you get the summary.'
      : phone.trim() === ''
        ? 'Send Message is off: enter the phone number to text.'
        : sent !== null
          ? 'Sent. To send again, change the vehicle, days or phone, or get the summary again.'
          : null;

  return (
    <section class="card" aria-labelledby="send-link-title">
      <h2 id="send-link-title" class="sr-only">Send Secure Payment Link</h2>
      <button type="button" class="primary" aria-expanded={open} aria-controls="send-link-form"
        aria-describedby={notAccepting ? 'not-accepting' : undefined} onClick={() => setOpen(!open)}>
        Send Secure Payment Link
      </button>
      {notAccepting && (
        <p id="not-accepting" class="error refusal" role="alert">
          {problemMessage({ code: NOT_ACCEPTING })} ({client.location.name})
        </p>
      )}
      {open && (
        <form id="send-link-form" class="panel" onSubmit={sendMessage}>
          {noVehicle ? <p class="muted">This client has no vehicle to bill for.</p> : (
            <VehicleDaysFields idPrefix="link" client={client} vehicleId={vehicleId} days={days}
              onVehicle={(id) => pick(() => setVehicleId(id))} onDays={(d) => pick(() => setDays(d))} />
          )}
          <button type="button" class="secondary" onClick={() => getSummary()} disabled={summary.busy || noVehicle}>
            {summary.busy ? 'Getting summary…' : 'Get Summary'}
          </button>
          {errorCode(summary.error) !== NOT_ACCEPTING && <ErrorMessage error={summary.error} />}
          <div aria-live="polite" id="link-summary" tabIndex={-1} class="focus-target">
            {quote && (
              <InvoiceSummary title={`Invoice Summary — ${quote.vehicle_description}, ${quote.monitor_days} days`}
                lines={quote.lines} totalCents={quote.total_due_cents} />
            )}
          </div>
          <div class="send-row">
            <div class="field">
              <label for="link-phone">Phone number to text</label>
              <input id="link-phone" type="tel" autoComplete="off" required value={phone}
                onInput={(e) => { setPhone(e.currentTarget.value); setSent(null); }} aria-describedby="link-phone-hint" />
            </div>
            {/* After a send, a second one needs a fresh summary (or new details): never a stray double click. */}
            <button type="submit" class="primary" aria-describedby="send-hint" disabled={blocked !== null || send.busy}>
              {send.busy ? 'Sending…' : 'Send Message'}
            </button>
          </div>
          <small id="link-phone-hint" class="muted">The client's number is filled in; change it to text someone else.</small>
          {blocked && <small id="send-hint" class="muted hint">{blocked}</small>}
          {errorCode(send.error) !== NOT_ACCEPTING && <ErrorMessage error={send.error} />}
          <div aria-live="polite">
            {sent && (
              <p class="success" role="status" id="link-sent" tabIndex={-1}>
                Payment link sent to {sent.phone_masked}. It expires at {formatTime(sent.expires_at, client.location.time_zone)}{' '}
                ({minutesFromNow(sent.expires_at)}).
              </p>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
