import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api } from '../api/client';
import { capitalize, formatCents, formatDate } from '@kit/format';

type Client = Schemas['Client'];
type MyAutopay = Schemas['MyAutopay'];

/** This component's words, in one place (for the message catalog). */
export const strings = {
  on: (card: string) => `Auto Pay is on with ${card}.`,
  off: 'Auto Pay is off.',
  card: (brand: string, last4: string) => `${capitalize(brand)} ending ${last4}`,
  next: (amount: string, date: string, vehicle: string | undefined) =>
    `Next Auto Pay charge: ${amount} on ${date}${vehicle ? ` for the ${vehicle}` : ''}.`,
  none: 'No Auto Pay charge is scheduled.',
  dontPayTwice: 'You do not need to pay that yourself.',
};

/**
 * Where the client's Auto Pay stands (issue 18): on or off, the card it charges, and its next charge (date, amount,
 * vehicle), from `get_my_autopay`, which computes it with the rule staff see in `get_client_reminders`. Asked
 * again whenever Auto Pay is switched. `brief`: only the next charge, for Make a Payment (so nobody pays twice).
 */
export function AutoPayStatus({ client, brief = false }: { client: Client; brief?: boolean }) {
  const [status, setStatus] = useState<MyAutopay | null>(null);
  useEffect(() => {
    call(api.GET('/me/autopay')).then(setStatus, () => setStatus(null));
  }, [client.autopay_enabled, client.autopay_card_id]);

  if (!status) return null;
  const next = status.next_charge;
  const vehicle = next ? client.vehicles.find((v) => v.id === next.vehicle_id)?.description : undefined;
  const nextWords = next && strings.next(formatCents(next.amount_cents), formatDate(next.date), vehicle);
  if (brief) {
    return nextWords ? (
      <p class="notice auto-pay-next">
        {nextWords} {strings.dontPayTwice}
      </p>
    ) : null;
  }
  return (
    <div class="auto-pay-status">
      <p>
        <strong>
          {status.autopay_enabled && status.card ? strings.on(strings.card(status.card.brand, status.card.last4)) : strings.off}
        </strong>
      </p>
      {status.autopay_enabled && <p>{nextWords ?? strings.none}</p>}
    </div>
  );
}
