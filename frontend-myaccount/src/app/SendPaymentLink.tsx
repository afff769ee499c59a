import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { formatCents, formatDateTime } from '@kit/format';
import { errorCode, problemMessage } from '@kit/problems';
import { api } from '../api/client';
import { signedInClient } from './early';

type Client = Schemas['Client'];
type Link = Schemas['LinkView'];

const STATUS_TEXT: Record<Link['status'], string> = {
  sent: 'Sent',
  delivered: 'Delivered',
  sms_failed: 'Text not delivered',
  opened: 'Opened',
  paying: 'Being paid',
  paid: 'Paid',
  expired: 'Expired',
  revoked: 'Cancelled',
  outdated: 'Out of date',
};

/** A link's status in words (the API's `LinkDisplayStatus`). */
export function linkStatusText(status: Link['status']): string {
  return STATUS_TEXT[status];
}

/**
 * Send a payment link (issue 18): the client texts a one-time link for one of their vehicles to whoever pays for
 * them, and sees the links they sent with their status. The API's `send_my_link` does the rest (same quote and
 * 10-minute single-use link as staff send).
 */
export function SendPaymentLink() {
  const [me, setMe] = useState<Client | null>(null);
  const [vehicleId, setVehicleId] = useState<string>('');
  const [days, setDays] = useState<14 | 30>(30);
  const [quote, setQuote] = useState<number | null>(null);
  const [phone, setPhone] = useState('');
  const [links, setLinks] = useState<Link[]>([]);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const keys = useRef(new AttemptKeys()).current;

  const loadLinks = () => {
    call(api.GET('/me/payment-links')).then(setLinks, (e: unknown) => setProblem(errorCode(e)));
  };
  useEffect(() => {
    signedInClient().then(
      (client) => {
        setMe(client);
        setVehicleId(client.next_vehicle_id ?? client.vehicles[0]?.id ?? '');
        setDays(client.plan_days === 14 ? 14 : 30);
      },
      (e: unknown) => setProblem(errorCode(e)),
    );
    loadLinks();
  }, []);

  useEffect(() => {
    if (!me || !vehicleId) return;
    setQuote(null);
    call(api.POST('/quote-summary', { body: { client_id: me.id, vehicle_id: vehicleId, monitor_days: days } })).then(
      (q) => setQuote(q.total_due_cents),
      (e: unknown) => setProblem(errorCode(e)),
    );
  }, [me, vehicleId, days]);

  const send = async (event: Event) => {
    event.preventDefault();
    if (!vehicleId || !phone.trim() || busy) return;
    setBusy(true);
    setProblem(null);
    setSent(null);
    try {
      const body = { vehicle_id: vehicleId, monitor_days: days, phone: phone.trim() };
      const link = await sendMoneyMovingPost(keys, body, (key) =>
        call(api.POST('/me/payment-links', { params: { header: { 'Idempotency-Key': key } }, body })),
      );
      setSent(`Payment link for ${formatCents(link.amount_cents)} sent to ${link.phone_masked}. It can be paid once, within 10 minutes.`);
      setPhone('');
      loadLinks();
    } catch (error) {
      setProblem(errorCode(error));
    } finally {
      setBusy(false);
    }
  };

  // Nothing until the client is known: the page's HTML holds the first render of Make a Payment only
  // (payment/index.html, src/shell.test.tsx), and this section comes below its button, so it moves nothing.
  if (me === null) return null;
  return (
    <section aria-labelledby="send-link-title" class="send-link">
      <h2 id="send-link-title">Send a payment link</h2>
      <p class="muted">Someone else paying for you? Text them a secure link to pay this amount.</p>
      <form onSubmit={send}>
        <label>
          Vehicle
          <select value={vehicleId} onChange={(e) => setVehicleId((e.target as HTMLSelectElement).value)}>
            {me?.vehicles.map((v) => (
              <option key={v.id} value={v.id}>{v.description}</option>
            ))}
          </select>
        </label>
        <label>
          Days
          <select value={String(days)} onChange={(e) => setDays((e.target as HTMLSelectElement).value === '14' ? 14 : 30)}>
            <option value="14">14 days</option>
            <option value="30">30 days</option>
          </select>
        </label>
        <p aria-live="polite">{quote === null ? 'Amount: …' : `Amount: ${formatCents(quote)}`}</p>
        <label>
          Their mobile number
          <input type="tel" autoComplete="off" inputMode="tel" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" disabled={busy || !phone.trim() || !vehicleId}>
          {busy ? 'Sending…' : 'Send'}
        </button>
        {sent && <p class="notice" role="status">{sent}</p>}
        {problem && <p class="alert" role="alert">{problemMessage(problem)}</p>}
      </form>
      {links.length > 0 && (
        <ul class="links" aria-label="Payment links you sent">
          {links.map((link) => (
            <li key={link.id}>
              {formatCents(link.amount_cents)} to {link.phone_masked} · {formatDateTime(link.sent_at)} ·{' '}
              <strong>{linkStatusText(link.status)}</strong>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
