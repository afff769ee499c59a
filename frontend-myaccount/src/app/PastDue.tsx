import type { Schemas } from '@kit/api';
import { useWords } from '../i18n';

type Client = Schemas['Client'];

/**
 * The past due balance, shown prominently at the top of Account Information with a "Pay now" that opens Make a
 * Payment on the vehicle that is due (issue 18, sentence 3): the client's `next_vehicle_id`, the lapsed or
 * soonest-due one (the API's rule, as Make a Payment preselects it). Nothing without a past due.
 */
export function PastDue({ client, onPay }: { client: Client; onPay: (vehicleId: string | null) => void }) {
  const w = useWords();
  const t = w.t.pastDue;
  if (client.past_due_cents <= 0) return null;
  return (
    <section class="past-due" aria-labelledby="past-due-heading">
      <h2 id="past-due-heading">{t.heading}</h2>
      <p>
        <strong>{t.amount(w.money(client.past_due_cents))}</strong>
      </p>
      <button type="button" class="primary" onClick={() => onPay(client.next_vehicle_id ?? null)}>
        {t.payNow}
      </button>
    </section>
  );
}
