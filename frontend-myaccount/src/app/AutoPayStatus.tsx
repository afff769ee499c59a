import { useEffect, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api } from '../api/client';
import { capitalize } from '@kit/format';
import { useWords } from '../i18n';

type Client = Schemas['Client'];
type MyAutopay = Schemas['MyAutopay'];

/**
 * Where the client's Auto Pay stands (issue 18): on or off, the card it charges, and its next charge (date, amount,
 * vehicle), from `get_my_autopay`, which computes it with the rule staff see in `get_client_reminders`. Asked
 * again whenever Auto Pay is switched. `brief`: only the next charge, for Make a Payment (so nobody pays twice).
 * The full status is a polite live region: when a switch changes it, that one line is what is announced.
 * `onStatus` hears each answer (the switch's confirm names the charge that turning off stops).
 */
export function AutoPayStatus({
  client,
  brief = false,
  onStatus,
}: {
  client: Client;
  brief?: boolean;
  onStatus?: (status: MyAutopay | null) => void;
}) {
  const w = useWords();
  const t = w.t.autopay;
  const [status, setStatus] = useState<MyAutopay | null>(null);
  useEffect(() => {
    const heard = (answer: MyAutopay | null) => {
      setStatus(answer);
      onStatus?.(answer);
    };
    call(api.GET('/me/autopay')).then(heard, () => heard(null));
  }, [client.autopay_enabled, client.autopay_card_id]);

  if (!status) return null;
  const next = status.next_charge;
  const vehicle = next ? client.vehicles.find((v) => v.id === next.vehicle_id)?.description : undefined;
  const nextWords = next && t.next(w.money(next.amount_cents), w.date(next.date), vehicle);
  if (brief) {
    return nextWords ? (
      <p class="notice auto-pay-next">
        {nextWords} {t.dontPayTwice}
      </p>
    ) : null;
  }
  return (
    <div class="auto-pay-status" aria-live="polite">
      <p>
        <strong>
          {status.autopay_enabled && status.card
            ? t.onWith(w.t.common.cardEnding(capitalize(status.card.brand), status.card.last4))
            : t.off}
        </strong>
      </p>
      {status.autopay_enabled && <p>{nextWords ?? t.none}</p>}
    </div>
  );
}
