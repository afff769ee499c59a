import type { Schemas } from '@kit/api';
import { capitalize } from '@kit/format';
import { useWords, wordsFor, type Words } from '../i18n';
import { Summary } from './Summary';

type Receipt = Schemas['Receipt'];

/** "Visa •••• 4242", or "Card" (in the page's language) when the gateway did not say. */
export const cardWords = (brand?: string | null, last4?: string | null, w: Words = wordsFor('en')) =>
  last4 ? `${brand ? capitalize(brand) : w.t.common.card} •••• ${last4}` : w.t.common.card;

/** When a receipt was paid, on its location's clock: `Nov 30, 2026, 6:04 PM CST`, `30 de nov. de 2026, 6:04 p.m. CST`. */
export const paidWhen = (
  r: { local_date: string; local_time: string; time_zone_abbreviation: string },
  w: Words = wordsFor('en'),
) => `${w.date(r.local_date)}, ${w.clockTime(r.local_time)} ${r.time_zone_abbreviation}`;

/** A receipt as the payer reads and prints it (the print stylesheet leaves out everything else on the page). */
export function ReceiptView({ receipt, company }: { receipt: Receipt; company?: string }) {
  const w = useWords();
  const { t, money, date } = w;
  const payer = receipt.payer.kind === 'client' ? receipt.payer.name : t.receipt.phone(receipt.payer.phone_masked);
  return (
    <article class="receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title">
        {t.receipt.title(company)} {receipt.receipt_number}
      </h2>
      <dl class="facts">
        <dt>{t.receipt.paid}</dt>
        <dd>{paidWhen(receipt, w)}</dd>
        <dt>{t.receipt.paidBy}</dt>
        <dd>{payer}</dd>
        <dt>{t.common.card}</dt>
        <dd>{cardWords(receipt.card_brand, receipt.card_last4, w)}</dd>
        <dt>{t.receipt.location}</dt>
        <dd>{receipt.location_name}</dd>
        {receipt.invoice_number != null && (
          <>
            <dt>{t.receipt.invoice}</dt>
            <dd>#{receipt.invoice_number}</dd>
          </>
        )}
      </dl>
      <Summary lines={receipt.lines} totalCents={receipt.total_cents} totalLabel={t.common.totalPaid} />
      {receipt.refunds.length > 0 && (
        <>
          <h3>{t.receipt.refunds}</h3>
          <ul class="plain">
            {receipt.refunds.map((refund, i) => (
              <li key={i}>
                {money(refund.amount_cents)}{' '}
                {refund.destination === 'credit'
                  ? t.receipt.refundedToCredit
                  : refund.source === 'credit'
                    ? t.receipt.creditRefunded
                    : t.receipt.refunded}{' '}
                {date(refund.local_date)}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>{t.receipt.paidThrough}</h3>
      <ul class="plain">
        {receipt.vehicles.map((v) => (
          <li key={v.vehicle_id}>
            {v.description}: <strong>{date(v.paid_through)}</strong>
          </li>
        ))}
      </ul>
      <button type="button" class="secondary no-print" onClick={() => print()}>
        {t.receipt.print}
      </button>
    </article>
  );
}
