import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api } from '../api/client';
import { Summary } from '../components/Summary';
import { formatCents, formatPhone } from '@kit/format';
import { errorCode, problemMessage } from '@kit/problems';
import { paidStatus, todayIn } from '@kit/vehicles';
import { AutoPaySwitch } from './AutoPaySwitch';
import { CardsOnFile } from './CardsOnFile';
import { PaidThrough } from '@kit/PaidThrough';
import { type Paid } from './MakePayment';

type Client = Schemas['Client'];

const BASE = import.meta.env.BASE_URL; // '/my-account/'
type Invoice = Schemas['Invoice'];

/** A date-time in the reader's time zone; a plain date (paid through) as that calendar day. */
const formatDate = (iso: string, month: 'short' | 'numeric' = 'short') => {
  const [y, m, d] = iso.split('-').map((part) => parseInt(part, 10));
  const date = iso.length > 10 ? new Date(iso) : new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1);
  return date.toLocaleDateString('en-US', { month, day: 'numeric', year: 'numeric' });
};

/** Account Information: the invoice just paid, Auto Pay, vehicles, every receipt and past invoices. */
export function AccountInfo({ paid: payment }: { paid: Paid | null }) {
  const paidInvoiceId = payment?.invoiceId ?? null;
  const [me, setMe] = useState<Client | null>(null);
  const [invoices, setInvoices] = useState<Invoice[] | null>(null);
  const [paid, setPaid] = useState<Invoice | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const fail = (e: unknown) => setProblem(errorCode(e));
    call(api.GET('/me')).then(setMe, fail);
    call(api.GET('/me/invoices')).then(setInvoices, fail);
    if (paidInvoiceId) {
      call(api.GET('/me/invoices/{invoice_id}', { params: { path: { invoice_id: paidInvoiceId } } })).then(setPaid, fail);
    }
  }, [paidInvoiceId]);

  return (
    <>
      <h1 tabIndex={-1}>Account Information</h1>
      {problem && <p class="alert" role="alert">{problemMessage(problem)}</p>}
      {payment && !payment.confirmed && (
        <p class="notice" role="status">
          Your payment was sent and we are waiting for your bank to confirm it. Please do not pay again: it will show
          here once confirmed.
        </p>
      )}
      {paidInvoiceId && (
        <section class="paid" aria-live="polite">
          <h2>Payment received{paid ? `: invoice #${paid.number}` : ''}</h2>
          {payment?.receiptId && (
            <p>
              <a href={`${BASE}receipts/${payment.receiptId}`} target="_top">
                View receipt {payment.receiptNumber}
              </a>
            </p>
          )}
          <Summary lines={paid?.lines ?? null} totalCents={paid?.total_cents} caption="Thank you for your payment." totalLabel="Total Paid" />
        </section>
      )}
      {me && (
        <>
          <section>
            <h2>
              {me.first_name} {me.last_name}
            </h2>
            <dl class="facts">
              <dt>Email</dt>
              <dd>{me.email}</dd>
              <dt>Phone</dt>
              <dd>{formatPhone(me.phone)}</dd>
              <dt>Past due balance</dt>
              <dd>{formatCents(me.past_due_cents)}</dd>
            </dl>
          </section>
          <AutoPaySwitch client={me} onChange={setMe} promote={payment !== null} />
          <CardsOnFile client={me} onChange={setMe} />
          <section>
            <h2>Vehicles</h2>
            <ul class="plain">
              {me.vehicles.map((v) => (
                <li key={v.id}>
                  {v.description}
                  {v.plate && <span class="muted"> · {v.plate}</span>}
                  <br />
                  <PaidThrough status={paidStatus(v.paid_through, todayIn(me.location.time_zone))} />
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
      <section>
        <h2>Receipts</h2>
        <p>
          {/* target="_top": a page load, not an in-app route, so the receipts' code stays out of this script. */}
          <a href={`${BASE}receipts`} target="_top">
            View and print your receipts
          </a>
        </p>
      </section>
      <section>
        <h2>Invoices</h2>
        {invoices === null ? (
          <div class="skeleton" aria-hidden="true"><span /><span /></div>
        ) : invoices.length === 0 ? (
          <p class="muted">No invoices yet.</p>
        ) : (
          <table class="invoices">
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Date</th>
                <th scope="col">Status</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((inv) => (
                <Fragment key={inv.id}>
                  <tr class={inv.id === paidInvoiceId ? 'highlight' : undefined}>
                    <td>#{inv.number}</td>
                    <td>{formatDate(inv.issued_at, 'numeric')}</td>
                    <td>{inv.status}</td>
                    <td>{formatCents(inv.total_cents)}</td>
                  </tr>
                  {inv.refunds.length > 0 && (
                    <tr>
                      <td colSpan={4}>
                        <ul class="plain" aria-label={`Refunds of invoice #${inv.number}`}>
                          {inv.refunds.map((r) => (
                            <li key={r.id}>
                              {r.status !== 'succeeded' ? 'Refund in progress:' : r.source === 'credit' ? 'Credit refunded to the card:' : 'Refunded'}{' '}
                              {formatCents(r.amount_cents)}
                              {r.status === 'succeeded' && r.destination === 'credit' && ' (kept as credit)'}
                              <span class="muted"> · {formatDate(r.created_at, 'numeric')}</span>
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
