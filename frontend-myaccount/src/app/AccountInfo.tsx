import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api } from '../api/client';
import { Summary } from '../components/Summary';
import { businessDay, formatPhone } from '@kit/format';
import { errorCode } from '@kit/problems';
import { todayIn } from '@kit/vehicles';
import { useWords, vehicleStatus } from '../i18n';
import { me as askMe } from './early';
import { AutoPaySwitch } from './AutoPaySwitch';
import { CardsOnFile } from './CardsOnFile';
import { EmailAddress } from './EmailAddress';
import { PaidThrough } from '@kit/PaidThrough';
import { type Paid } from './MakePayment';
import { NextAppointment } from './NextAppointment';
import { PastDue } from './PastDue';

type Client = Schemas['Client'];

const BASE = import.meta.env.BASE_URL; // '/my-account/'
type Invoice = Schemas['Invoice'];


/** Account Information: the invoice just paid, Auto Pay, vehicles, every receipt and past invoices. */
export function AccountInfo({ paid: payment, onPay }: { paid: Paid | null; onPay: (vehicleId: string | null) => void }) {
  const paidInvoiceId = payment?.invoiceId ?? null;
  const [me, setMe] = useState<Client | null>(null);
  const [invoices, setInvoices] = useState<Invoice[] | null>(null);
  const [paid, setPaid] = useState<Invoice | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const w = useWords();
  const { t, money } = w;

  useEffect(() => {
    const fail = (e: unknown) => setProblem(errorCode(e));
    askMe().then(setMe, fail);
    call(api.GET('/me/invoices')).then(setInvoices, fail);
    if (paidInvoiceId) {
      call(api.GET('/me/invoices/{invoice_id}', { params: { path: { invoice_id: paidInvoiceId } } })).then(setPaid, fail);
    }
  }, [paidInvoiceId]);

  return (
    <>
      <h1 tabIndex={-1}>{t.account.heading}</h1>
      {problem && <p class="alert" role="alert">{w.problem(problem)}</p>}
      {payment && !payment.confirmed && (
        <p class="notice" role="status">
          {t.account.waiting}
        </p>
      )}
      {paidInvoiceId && (
        <section class="paid" aria-live="polite">
          <h2>{t.account.received(paid?.number)}</h2>
          {payment?.receiptId && (
            <p>
              <a href={`${BASE}receipts/${payment.receiptId}`} target="_top">
                {t.account.viewReceipt(payment.receiptNumber)}
              </a>
            </p>
          )}
          <Summary lines={paid?.lines ?? null} totalCents={paid?.total_cents} caption={t.account.thanks} totalLabel={t.common.totalPaid} />
        </section>
      )}
      {me && <PastDue client={me} onPay={onPay} />}
      {me && (
        <>
          <section>
            <h2>
              {me.first_name} {me.last_name}
            </h2>
            <dl class="facts">
              <dt>{t.account.email}</dt>
              <dd><EmailAddress address={me.email} /></dd>
              <dt>{t.account.phone}</dt>
              <dd>{formatPhone(me.phone)}</dd>
              <dt>{t.account.pastDue}</dt>
              <dd>{money(me.past_due_cents)}</dd>
            </dl>
          </section>
          <AutoPaySwitch client={me} onChange={setMe} promote={payment !== null} />
          <CardsOnFile client={me} onChange={setMe} />
          <section>
            <h2>{t.account.vehicles}</h2>
            <ul class="plain">
              {me.vehicles.map((v) => (
                <li key={v.id}>
                  {v.description}
                  {v.plate && <span class="muted"> · {v.plate}</span>}
                  <br />
                  <PaidThrough status={vehicleStatus(v.paid_through, todayIn(me.location.time_zone), w)} />
                  <NextAppointment appointment={v.next_appointment} />
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
      <section>
        <h2>{t.account.receipts}</h2>
        <p>
          {/* target="_top": a page load, not an in-app route, so the receipts' code stays out of this script. */}
          <a href={`${BASE}receipts`} target="_top">
            {t.account.viewReceipts}
          </a>
        </p>
      </section>
      <section>
        <h2>{t.account.invoices}</h2>
        {invoices === null || me === null ? (
          <div class="skeleton" aria-hidden="true"><span /><span /></div>
        ) : invoices.length === 0 ? (
          <p class="muted">{t.account.noInvoices}</p>
        ) : (
          <table class="invoices">
            <thead>
              <tr>
                <th scope="col">{t.account.invoice}</th>
                <th scope="col">{t.account.date}</th>
                <th scope="col">{t.account.status}</th>
                <th scope="col">{t.account.total}</th>
              </tr>
            </thead>
            <tbody>
              {invoices.map((inv) => (
                <Fragment key={inv.id}>
                  <tr class={inv.id === paidInvoiceId ? 'highlight' : undefined}>
                    <td>#{inv.number}</td>
                    <td>{w.date(businessDay(inv.issued_at, me.location.time_zone))}</td>
                    <td>{w.invoiceStatus(inv.status)}</td>
                    <td>{money(inv.total_cents)}</td>
                  </tr>
                  {inv.refunds.length > 0 && (
                    <tr>
                      <td colSpan={4}>
                        <ul class="plain" aria-label={t.account.refundsOf(inv.number)}>
                          {inv.refunds.map((r) => (
                            <li key={r.id}>
                              {r.status !== 'succeeded'
                                ? t.account.refundInProgress
                                : r.source === 'credit'
                                  ? t.account.creditRefunded
                                  : t.account.refunded}{' '}
                              {money(r.amount_cents)}
                              {r.status === 'succeeded' && r.destination === 'credit' && t.account.keptAsCredit}
                              <span class="muted"> · {w.date(businessDay(r.created_at, me.location.time_zone))}</span>
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
