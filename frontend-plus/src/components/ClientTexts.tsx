import { api, type Client, type Schemas } from '../api/client';
import { capitalize, formatDate, formatDateTime } from '@kit/format';
import { call } from '@kit/api';
import { useLoad } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { Money } from './Money';

type Reminders = Schemas['ClientReminders'];
type NoticeKind = Schemas['NoticeKind'];

const KIND: Record<NoticeKind, string> = {
  payment_reminder: 'Payment reminder',
  autopay_upcoming: 'Auto Pay notice',
  autopay_declined: 'Auto Pay declined',
  card_expiring: 'Card expiring',
  appointment_reminder: 'Appointment reminder',
};

/**
 * What the client is texted (`get_client_reminders`): whether the phone opted out of texts (STOP), the next
 * Auto Pay charge (a date of the location's calendar, the amount as of today, the card) and the last reminder
 * or notice sent. Reloads when `version` changes (a payment moves the next charge).
 */
export function ClientTexts({ client, version }: { client: Client; version: number }) {
  const texts = useLoad(
    () => call(api.GET('/clients/{client_id}/reminders', { params: { path: { client_id: client.id } } })),
    [client.id, version],
  );
  if (!texts.data) {
    return texts.error ? <ErrorMessage error={texts.error} /> : null;
  }
  return <TextFacts reminders={texts.data} client={client} />;
}

function TextFacts({ reminders, client }: { reminders: Reminders; client: Client }) {
  const next = reminders.next_autopay_charge;
  const last = reminders.last_notice;
  const vehicle = (id: string | null | undefined) => client.vehicles.find((v) => v.id === id)?.description;
  return (
    <section class="card client-texts" aria-labelledby="texts-title">
      <h2 id="texts-title">Texts and Auto Pay</h2>
      <dl class="facts">
        <div>
          <dt>Texts</dt>
          <dd>
            {reminders.sms_opted_out
              ? <span class="badge bad">Opted out of texts</span>
              : <span class="badge ok">Receives texts</span>}
            {reminders.sms_opted_out && reminders.sms_opted_out_at && (
              <span class="muted"> since {formatDateTime(reminders.sms_opted_out_at, client.location.time_zone)} (replied STOP; START opts back in)</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Next Auto Pay charge</dt>
          <dd>
            {next ? (
              <>
                {formatDate(next.date)}: <Money cents={next.amount_cents} /> to {capitalize(next.card.brand)} •••• {next.card.last4}
                {vehicle(next.vehicle_id) && <span class="muted"> ({vehicle(next.vehicle_id)})</span>}
              </>
            ) : (
              <span class="muted">None</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Last reminder or notice</dt>
          <dd>
            {last ? (
              <>
                {last.summary}{' '}
                <span class="muted">
                  ({KIND[last.kind]} texted {formatDateTime(last.sent_at, client.location.time_zone)} to {last.to_phone}; {last.sms_status})
                </span>
              </>
            ) : (
              <span class="muted">None sent</span>
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}
