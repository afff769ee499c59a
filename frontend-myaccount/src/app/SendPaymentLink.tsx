import { useEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { errorCode } from '@kit/problems';
import { api } from '../api/client';
import { useWords, type Catalog } from '../i18n';
import { en } from '../i18n/en';

type Client = Schemas['Client'];
type Link = Schemas['LinkView'];

/** A link's status in words (the API's `LinkDisplayStatus`), in `words` (the page's language; English unless given). */
export function linkStatusText(status: Link['status'], words: Catalog['sendLink'] = en.sendLink): string {
  // Every status the API sends has words in each catalog: a new one fails this build until it has.
  const names: Record<Link['status'], string> = words.status;
  return names[status];
}

/**
 * Send a payment link (issue 18): the client texts a one-time link for one of their vehicles to whoever pays for
 * them, and sees the links they sent with their status. The API's `send_my_link` does the rest (same quote and
 * 10-minute single-use link as staff send). `client` is Make a Payment's own `GET /me` answer: one request for
 * the page, and this section (below the fold) asks for its links and quote only once the page has shown it.
 */
export function SendPaymentLink({ client: me }: { client: Client }) {
  const [vehicleId, setVehicleId] = useState<string>(me.next_vehicle_id ?? me.vehicles[0]?.id ?? '');
  const [days, setDays] = useState<14 | 30>(me.plan_days === 14 ? 14 : 30);
  const [quote, setQuote] = useState<number | null>(null);
  const [phone, setPhone] = useState('');
  const [links, setLinks] = useState<Link[]>([]);
  const [busy, setBusy] = useState(false);
  // The link just sent, kept as data (not words), so a switch of language rewrites the sentence too.
  const [sent, setSent] = useState<{ amount: number; phone: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const keys = useRef(new AttemptKeys()).current;
  const w = useWords();
  const { t, money } = w;

  const loadLinks = () => {
    call(api.GET('/me/payment-links')).then(setLinks, (e: unknown) => setProblem(errorCode(e)));
  };
  useEffect(loadLinks, []);

  useEffect(() => {
    if (!vehicleId) return;
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
      setSent({ amount: link.amount_cents, phone: link.phone_masked });
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
  return (
    <section aria-labelledby="send-link-title" class="send-link">
      <h2 id="send-link-title">{t.sendLink.title}</h2>
      <p class="muted">{t.sendLink.pitch}</p>
      <form onSubmit={send}>
        <label>
          {t.sendLink.vehicle}
          <select value={vehicleId} onChange={(e) => setVehicleId((e.target as HTMLSelectElement).value)}>
            {me.vehicles.map((v) => (
              <option key={v.id} value={v.id}>{v.description}</option>
            ))}
          </select>
        </label>
        <label>
          {t.sendLink.days}
          <select value={String(days)} onChange={(e) => setDays((e.target as HTMLSelectElement).value === '14' ? 14 : 30)}>
            <option value="14">{t.common.days(14)}</option>
            <option value="30">{t.common.days(30)}</option>
          </select>
        </label>
        <p aria-live="polite">{t.sendLink.amount(quote === null ? null : money(quote))}</p>
        <label>
          {t.sendLink.phone}
          <input type="tel" autoComplete="off" inputMode="tel" value={phone} onInput={(e) => setPhone((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" disabled={busy || !phone.trim() || !vehicleId}>
          {busy ? t.sendLink.sending : t.sendLink.send}
        </button>
        {sent && <p class="notice" role="status">{t.sendLink.sent(money(sent.amount), sent.phone)}</p>}
        {problem && <p class="alert" role="alert">{w.problem(problem)}</p>}
      </form>
      {links.length > 0 && (
        <ul class="links" aria-label={t.sendLink.list}>
          {links.map((link) => (
            <li key={link.id}>
              {money(link.amount_cents)} {t.sendLink.to} {link.phone_masked} · {me && w.dateTime(link.sent_at, me.location.time_zone)} ·{' '}
              <strong>{linkStatusText(link.status, t.sendLink)}</strong>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
