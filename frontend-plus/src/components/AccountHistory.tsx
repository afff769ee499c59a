import { api, type Client, type Invoice, type Payment } from '../api/client';
import { capitalize, formatCents, formatDateTime } from '@kit/format';
import { useLoad } from '../hooks';
import { useCan } from '../permissions';
import { AddInvoiceForm } from './AddInvoiceForm';
import { ErrorMessage } from './ErrorMessage';
import { Money } from './Money';
import { ReceiptPanel } from './ReceiptPanel';
import { TakePayment } from './TakePayment';
import { CardsOnFile } from './CardsOnFile';
import { RefundForm, RefundOutcome, type Refund } from './RefundForm';
import { call } from '@kit/api';
import { useState } from 'preact/hooks';
import { TableScroll } from './TableScroll';
import { DateTime } from './DateTime';

const METHODS: Record<Payment['method'], string> = {
  card_on_file: 'Card on file',
  new_card: 'New card',
  payment_link: 'Payment link',
  autopay: 'Auto Pay',
};

const STATUSES: Record<Payment['status'], string> = {
  pending: 'Pending',
  unknown: 'Being confirmed',
  succeeded: 'Succeeded',
  failed: 'Failed',
  held_for_review: 'Held for review',
  requires_action: 'Waiting for the bank',
};

/** Invoices and payments with the past due balance; Add New Invoice and Take Payment below. */
export function AccountHistory({ client, version, onChange }: { client: Client; version: number; onChange: () => void }) {
  const canAddInvoices = useCan('add_invoices');
  const canRefund = useCan('refund');
  const [refunding, setRefunding] = useState<string | null>(null);
  const [refunded, setRefunded] = useState<Refund | null>(null);
  const history = useLoad(
    () => call(api.GET('/clients/{client_id}/account-history', { params: { path: { client_id: client.id } } })),
    [client.id, version],
  );
  const vehicle = (id: string | null | undefined) => client.vehicles.find((v) => v.id === id)?.description ?? '—';
  const h = history.data;
  const [receiptOf, setReceiptOf] = useState<string | null>(null);

  return (
    <>
      <section class="card" aria-labelledby="history-title">
        <div class="section-head">
          <h2 id="history-title">Account History</h2>
          {h && (
            <p class="balance">
              Past due balance: <strong class={h.past_due_cents > 0 ? 'owed' : ''}><Money cents={h.past_due_cents} /></strong>
            </p>
          )}
        </div>
        <ErrorMessage error={history.error} />
        {history.loading && !h && <p class="muted" role="status">Loading account history…</p>}
        {h && (
          <>
            <h3>Invoices</h3>
            {h.invoices.length === 0 ? <p class="muted">No invoices.</p> : (
              <TableScroll label="Invoices table">
              <table class="table invoices">
                <thead>
                  <tr>
                    <th scope="col">Invoice</th><th scope="col">Issued</th><th scope="col">For</th>
                    <th scope="col">Lines</th><th scope="col" class="num">Total</th><th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>{h.invoices.map((inv) => <InvoiceRow key={inv.id} invoice={inv} vehicle={vehicle(inv.vehicle_id)} timeZone={client.location.time_zone} />)}</tbody>
              </table>
              </TableScroll>
            )}
            <h3>Payments</h3>
            {h.payments.length === 0 ? <p class="muted">No payments.</p> : (
              <TableScroll label="Payments table">
              <table class="table payments">
                <thead>
                  <tr>
                    <th scope="col">Date</th><th scope="col" class="num">Amount</th><th scope="col">Method</th>
                    <th scope="col">Card</th><th scope="col">Invoice</th><th scope="col">Status</th><th scope="col">By</th>
                    <th scope="col" class="num">Refunded</th>{canRefund && <th scope="col"><span class="sr-only">Actions</span></th>}
                    <th scope="col">Receipt</th>
                  </tr>
                </thead>
                <tbody>
                  {h.payments.map((p) => (
                    <tr key={p.id}>
                      <td><DateTime iso={p.created_at} timeZone={client.location.time_zone} /></td>
                      <td class="num"><Money cents={p.amount_cents} /></td>
                      <td>{METHODS[p.method]}</td>
                      <td>{p.card_last4 ? `${capitalize(p.card_brand ?? 'card')} •••• ${p.card_last4}` : '—'}</td>
                      <td>{p.invoice_number ? `#${p.invoice_number}` : '—'}</td>
                      <td>
                        <span class={`badge pay-${p.status}`}>{STATUSES[p.status]}</span>
                        {p.failure_code && <span class="muted small-text"> ({p.failure_code.replace(/_/g, ' ')})</span>}
                      </td>
                      <td>{p.initiated_by}</td>
                      <td class="num">
                        {p.refunded_cents > 0 ? <Money cents={p.refunded_cents} /> : '—'}
                        {p.dispute_status && <span class={`badge dispute-${p.dispute_status}`}> Dispute {p.dispute_status}</span>}
                      </td>
                      {canRefund && (
                        <td>
                          {p.status === 'succeeded' && p.refundable_cents > 0 && (
                            <button type="button" class="secondary small"
                              aria-label={`Refund the payment of ${formatCents(p.amount_cents)} of ${formatDateTime(p.created_at, client.location.time_zone)}`}
                              aria-expanded={refunding === p.id}
                              onClick={() => { setRefunded(null); setRefunding(refunding === p.id ? null : p.id); }}>
                              Refund
                            </button>
                          )}
                        </td>
                      )}
                      <td>
                        {p.status === 'succeeded' && (
                          <button type="button" class="secondary small" onClick={() => setReceiptOf(p.id)}
                            aria-label={`Receipt of the ${formatDateTime(p.created_at, client.location.time_zone)} payment`}>
                            Receipt
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </TableScroll>
            )}
            <div aria-live="polite">{refunded && <RefundOutcome refund={refunded} />}</div>
            {canRefund && refunding && (() => {
              const payment = h.payments.find((p) => p.id === refunding);
              return payment && (
                <RefundForm key={payment.id} payment={payment} onCancel={() => setRefunding(null)}
                  onDone={(refund) => { setRefunding(null); setRefunded(refund); onChange(); }} />
              );
            })()}
            {receiptOf && <ReceiptPanel key={receiptOf} paymentId={receiptOf} onClose={() => setReceiptOf(null)} />}
          </>
        )}
      </section>
      {canAddInvoices && <AddInvoiceForm client={client} onAdded={onChange} />}
      <TakePayment client={client} version={version} onPaid={onChange} />
      <CardsOnFile client={client} onChange={onChange} />
    </>
  );
}

function InvoiceRow({ invoice, vehicle, timeZone }: { invoice: Invoice; vehicle: string; timeZone: string }) {
  return (
    <tr data-invoice-number={invoice.number}>
      <th scope="row">#{invoice.number}</th>
      <td><DateTime iso={invoice.issued_at} timeZone={timeZone} /></td>
      <td>{vehicle}{invoice.monitor_days ? `, ${invoice.monitor_days} days` : ''}</td>
      <td>
        <ul class="lines">
          {invoice.lines.filter((l) => l.amount_cents !== 0).map((l) => (
            <li key={l.kind + l.description}>{l.description} <Money cents={l.amount_cents} /></li>
          ))}
        </ul>
      </td>
      <td class="num">
        <strong><Money cents={invoice.total_cents} /></strong>
        {invoice.refunded_cents > 0 && <div class="small-text refunded">Refunded <Money cents={invoice.refunded_cents} /></div>}
      </td>
      <td><span class={`badge inv-${invoice.status}`}>{capitalize(invoice.status)}</span></td>
    </tr>
  );
}
