import type { Schemas } from '@kit/api';
import { capitalize, formatCents, formatClockTime, formatDate } from '@kit/format';
import { Summary } from './Summary';

type Receipt = Schemas['Receipt'];

/** "Visa •••• 4242", or "Card" when the gateway did not say. */
export const cardWords = (brand?: string | null, last4?: string | null) =>
  last4 ? `${brand ? capitalize(brand) : 'Card'} •••• ${last4}` : 'Card';

/** When a receipt was paid, on its location's clock: `Nov 30, 2026, 6:04 PM CST`. */
export const paidWhen = (r: { local_date: string; local_time: string; time_zone_abbreviation: string }) =>
  `${formatDate(r.local_date)}, ${formatClockTime(r.local_time)} ${r.time_zone_abbreviation}`;

/** A receipt as the payer reads and prints it (the print stylesheet leaves out everything else on the page). */
export function ReceiptView({ receipt, company }: { receipt: Receipt; company?: string }) {
  const payer = receipt.payer.kind === 'client' ? receipt.payer.name : `Phone ${receipt.payer.phone_masked}`;
  return (
    <article class="receipt" aria-labelledby="receipt-title">
      <h2 id="receipt-title">
        {company ? `${company} receipt` : 'Receipt'} {receipt.receipt_number}
      </h2>
      <dl class="facts">
        <dt>Paid</dt>
        <dd>{paidWhen(receipt)}</dd>
        <dt>Paid by</dt>
        <dd>{payer}</dd>
        <dt>Card</dt>
        <dd>{cardWords(receipt.card_brand, receipt.card_last4)}</dd>
        <dt>Location</dt>
        <dd>{receipt.location_name}</dd>
        {receipt.invoice_number != null && (
          <>
            <dt>Invoice</dt>
            <dd>#{receipt.invoice_number}</dd>
          </>
        )}
      </dl>
      <Summary lines={receipt.lines} totalCents={receipt.total_cents} totalLabel="Total Paid" />
      {receipt.refunds.length > 0 && (
        <>
          <h3>Refunds</h3>
          <ul class="plain">
            {receipt.refunds.map((refund, i) => (
              <li key={i}>
                {formatCents(refund.amount_cents)}{' '}
                {refund.destination === 'credit'
                  ? 'refunded, kept as credit for your next payment,'
                  : refund.source === 'credit'
                    ? 'of your credit refunded to this card'
                    : 'refunded'}{' '}
                {formatDate(refund.local_date)}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>Monitoring paid through</h3>
      <ul class="plain">
        {receipt.vehicles.map((v) => (
          <li key={v.vehicle_id}>
            {v.description}: <strong>{formatDate(v.paid_through)}</strong>
          </li>
        ))}
      </ul>
      <button type="button" class="secondary no-print" onClick={() => print()}>
        Print receipt
      </button>
    </article>
  );
}
