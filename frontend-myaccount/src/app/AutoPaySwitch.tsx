import { useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api } from '../api/client';
import { capitalize } from '@kit/format';
import { errorCode, problemMessage } from '@kit/problems';
import { AutoPayStatus } from './AutoPayStatus';

type Client = Schemas['Client'];

/** The Auto Pay switch: on with a chosen card on file, or off. */
export function AutoPaySwitch({ client, onChange, promote }: { client: Client; onChange: (c: Client) => void; promote: boolean }) {
  const [cardId, setCardId] = useState(client.autopay_card_id ?? client.cards[0]?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const enabled = client.autopay_enabled;

  const toggle = async () => {
    setBusy(true);
    setStatus(null);
    try {
      const result = await call(
        api.PUT('/me/autopay', { body: { enabled: !enabled, card_id: enabled ? null : cardId || null } }),
      );
      onChange({ ...client, ...result });
      setStatus(result.autopay_enabled ? 'Auto Pay is on.' : 'Auto Pay is off.');
    } catch (error) {
      setStatus(problemMessage(errorCode(error)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class={promote && !enabled ? 'promo' : undefined}>
      <h2>Auto Pay</h2>
      <AutoPayStatus client={client} />
      {!enabled && (
        <p>
          Never miss a payment: with Auto Pay we charge your card on file automatically before your monitoring runs out.
        </p>
      )}
      {client.cards.length > 1 && !enabled && (
        <label>
          Card for Auto Pay
          <select value={cardId} onChange={(e) => setCardId((e.target as HTMLSelectElement).value)}>
            {client.cards.map((c) => (
              <option key={c.id} value={c.id}>
                {capitalize(c.brand)} ending {c.last4}
              </option>
            ))}
          </select>
        </label>
      )}
      {client.cards.length === 0 ? (
        <p class="muted">Save a card when you make a payment to use Auto Pay.</p>
      ) : (
        <button type="button" role="switch" aria-checked={enabled} class="switch" disabled={busy} onClick={toggle}>
          <span class="track" aria-hidden="true" />
          Auto Pay
        </button>
      )}
      <p aria-live="polite" class="muted">
        {status}
      </p>
    </section>
  );
}
