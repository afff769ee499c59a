import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Client, type LinkView } from '../api/client';
import { formatTime } from '@kit/format';
import { useAction, useLoad, usePolling } from '../hooks';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { formatCents } from '@kit/format';
import { ErrorMessage } from './ErrorMessage';
import { Money } from './Money';
import { SmsFailureNote } from './SmsFailureNote';
import { call } from '@kit/api';
import { TableScroll } from './TableScroll';
import { DateTime } from './DateTime';

import { focusOnMount } from '@kit/focus';
const POLL_MS = 4000;
/** Links not yet paid, revoked or expired: they can be resent or revoked (an out-of-date one cannot be paid). */
const LIVE: LinkView['status'][] = ['sent', 'delivered', 'sms_failed', 'opened', 'outdated'];

/** What each status is called on screen; a failed text never reads as "Sent". */
const STATUS_LABEL: Record<LinkView['status'], string> = {
  sent: 'Sent',
  delivered: 'Delivered',
  sms_failed: 'Text failed',
  opened: 'Opened',
  paying: 'Paying',
  paid: 'Paid',
  expired: 'Expired',
  revoked: 'Revoked',
  outdated: 'Out of date',
};

/** Who sent a link, for staff: the staff member, or the client from My Account or by texting PAY. */
export function sentByWords(sentBy: LinkView['sent_by']): string {
  if (!sentBy) return '—';
  switch (sentBy.via) {
    case 'staff':
      return sentBy.name;
    case 'my_account':
      return `${sentBy.name} (client, from My Account)`;
    case 'reply':
      return `${sentBy.name} (client, replied PAY)`;
  }
}

/** This client's payment links with live status (polled), Resend and Revoke. */
export function LinksList({ client, version, onChange }: { client: Client; version: number; onChange: () => void }) {
  const links = useLoad(
    () => call(api.GET('/clients/{client_id}/payment-links', { params: { path: { client_id: client.id } } })),
    [client.id, version],
  );
  usePolling(() => void links.reload(), POLL_MS);
  const action = useAction();
  const keys = useRef(new AttemptKeys()).current;
  const vehicle = (id: string) => client.vehicles.find((v) => v.id === id)?.description ?? 'Vehicle';

  // The outcome of the last Resend or Revoke: focused and announced, so focus never falls to the page (WCAG 2.4.3).
  const [done, setDone] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<LinkView | null>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);
  useLayoutEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  const resend = (link: LinkView) =>
    void action.run(async () => {
      setDone(null);
      const keyed = { resend: link.id };
      const fresh = await sendMoneyMovingPost(keys, keyed, (key) => call(api.POST('/payment-links/{link_id}/resend', {
        params: { path: { link_id: link.id }, header: { 'Idempotency-Key': key } },
        body: {},
      })));
      setDone(`A new ${formatAmount(fresh)} link was sent to ${fresh.phone_masked}; the old one no longer works.`);
      onChange();
    });

  // Revoke asks first, in the page (never the browser's confirm()).
  const revoke = (link: LinkView) =>
    void action.run(async () => {
      setConfirming(null);
      setDone(null);
      await call(api.POST('/payment-links/{link_id}/revoke', { params: { path: { link_id: link.id } } }));
      setDone(`The ${formatAmount(link)} link sent to ${link.phone_masked} was revoked.`);
      onChange();
    });

  return (
    <section class="card" aria-labelledby="links-title">
      <h2 id="links-title">Payment links</h2>
      <ErrorMessage error={action.error ?? links.error} />
      {done && (
        <p class="success" role="status" tabIndex={-1} ref={doneRef}>
          {done}
        </p>
      )}
      {confirming && (
        <div key={confirming.id} class="confirm" role="alertdialog" aria-labelledby="revoke-title">
          <p id="revoke-title">
            Revoke the {formatAmount(confirming)} link sent to {confirming.phone_masked}? The client will no longer be
            able to pay with it.
          </p>
          <button type="button" class="danger small" disabled={action.busy} onClick={() => revoke(confirming)} ref={focusOnMount}>
            Revoke link
          </button>{' '}
          <button type="button" class="secondary small" onClick={() => setConfirming(null)}>
            Keep it
          </button>
        </div>
      )}
      {links.loading && !links.data && <p class="muted" role="status">Loading links…</p>}
      {links.data?.length === 0 && <p class="muted">No payment links sent yet.</p>}
      {links.data && links.data.length > 0 && (
        <TableScroll label="Payment links table">
        <table class="table links">
          <thead>
            <tr>
              <th scope="col">Sent</th><th scope="col">Vehicle</th><th scope="col" class="num">Amount</th>
              <th scope="col">To</th><th scope="col">Sent by</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {links.data.map((link) => (
              <tr key={link.id} data-link-id={link.id}>
                <td><DateTime iso={link.sent_at} timeZone={client.location.time_zone} /></td>
                <td>{vehicle(link.vehicle_id)}, {link.monitor_days} days</td>
                <td class="num"><Money cents={link.amount_cents} /></td>
                <td data-testid="link-phone">
                  {link.phone || link.phone_masked}
                  <span class="muted small-text"> {link.payer === 'client' ? "(client's phone)" : '(another payer)'}</span>
                </td>
                <td data-testid="link-sender">{sentByWords(link.sent_by)}</td>
                <td>
                  <span class={`badge status-${link.status}`} data-testid="link-status">{STATUS_LABEL[link.status]}</span>
                  {link.status === 'outdated' && (
                    <span class="muted small-text"> The account was paid another way since it was sent: resend for the right amount.</span>
                  )}
                  {link.sms_failure && <SmsFailureNote failure={link.sms_failure} />}
                </td>
                <td>{link.status === 'paid' || link.status === 'revoked' ? '—' : formatTime(link.expires_at, client.location.time_zone)}</td>
                <td class="actions">
                  {LIVE.includes(link.status) && (
                    <>
                      <button type="button" class="secondary small" disabled={action.busy} onClick={() => resend(link)}
                        aria-label={`Resend the ${formatAmount(link)} link`}>Resend</button>
                      <button type="button" class="danger small" disabled={action.busy} onClick={() => setConfirming(link)}
                        aria-label={`Revoke the ${formatAmount(link)} link`}>Revoke</button>
                    </>
                  )}
                  {link.status === 'expired' && (
                    <button type="button" class="secondary small" disabled={action.busy} onClick={() => resend(link)}
                      aria-label={`Resend the ${formatAmount(link)} link`}>Resend</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </TableScroll>
      )}
    </section>
  );
}

function formatAmount(link: LinkView): string {
  return formatCents(link.amount_cents);
}
