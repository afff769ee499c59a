import { call } from '@kit/api';
import { capitalize, formatClockTime, formatDate } from '@kit/format';
import { api, type Schemas } from '../api/client';
import { useLoad } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { Money } from './Money';

type Receipt = Schemas['Receipt'];

const payerWords = (payer: Receipt['payer']) =>
  payer.kind === 'client' ? payer.name : `Third party, phone ${payer.phone_masked}`;

/** A payment's receipt as the client has it (Account History's Receipt button). */
export function ReceiptPanel({ paymentId, onClose }: { paymentId: string; onClose: () => void }) {
  const receipt = useLoad(
    () => call(api.GET('/payments/{payment_id}/receipt', { params: { path: { payment_id: paymentId } } })),
    [paymentId],
  );
  const r = receipt.data;
  return (
    <section class="card" aria-labelledby="receipt-title" aria-live="polite">
      <div class="section-head">
        <h3 id="receipt-title">{r ? `Receipt ${r.receipt_number}` : 'Receipt'}</h3>
        <button type="button" class="secondary small" onClick={onClose}>Close receipt</button>
      </div>
      <ErrorMessage error={receipt.error} />
      {receipt.loading && !r && <p class="muted" role="status">Loading the receipt…</p>}
      {r && (
        <>
          <dl class="facts">
            <div>
              <dt>Paid</dt>
              <dd>{`${formatDate(r.local_date)}, ${formatClockTime(r.local_time)} ${r.time_zone_abbreviation} (${r.location_name})`}</dd>
            </div>
            <div>
              <dt>Paid by</dt>
              <dd>{payerWords(r.payer)}</dd>
            </div>
            <div>
              <dt>Card</dt>
              <dd>{r.card_last4 ? `${capitalize(r.card_brand ?? 'card')} •••• ${r.card_last4}` : '—'}</dd>
            </div>
            <div>
              <dt>Invoice</dt>
              <dd>{r.invoice_number ? `#${r.invoice_number}` : '—'}</dd>
            </div>
            <div>
              <dt>Paid through</dt>
              <dd>{r.vehicles.map((v) => `${v.description}: ${formatDate(v.paid_through)}`).join('; ') || '—'}</dd>
            </div>
          </dl>
          <ul class="lines">
            {r.lines.map((l) => (
              <li key={l.kind + l.description}>{l.description} <Money cents={l.amount_cents} /></li>
            ))}
            <li><strong>Total paid <Money cents={r.total_cents} /></strong></li>
            {r.refunds.map((refund, i) => (
              <li key={i}>
                {refund.destination === 'credit' ? 'Refunded, kept as credit,' : refund.source === 'credit' ? 'Credit refunded to the card' : 'Refunded'}{' '}
                {formatDate(refund.local_date)} <Money cents={refund.amount_cents} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
