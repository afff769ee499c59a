import { useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api } from '../api/client';
import { capitalize } from '@kit/format';
import { useWords } from '../i18n';
import { AutoPayStatus } from './AutoPayStatus';

type Client = Schemas['Client'];

/** The Auto Pay switch: on with a chosen card on file, or off. */
export function AutoPaySwitch({ client, onChange, promote }: { client: Client; onChange: (c: Client) => void; promote: boolean }) {
  const [cardId, setCardId] = useState(client.autopay_card_id ?? client.cards[0]?.id ?? '');
  const [busy, setBusy] = useState(false);
  // What the last change did, kept as what happened (not words), so a switch of language rewrites it too.
  const [status, setStatus] = useState<{ on: boolean } | { error: unknown } | null>(null);
  const w = useWords();
  const { t } = w;
  const enabled = client.autopay_enabled;

  const toggle = async () => {
    setBusy(true);
    setStatus(null);
    try {
      const result = await call(
        api.PUT('/me/autopay', { body: { enabled: !enabled, card_id: enabled ? null : cardId || null } }),
      );
      onChange({ ...client, ...result });
      setStatus({ on: result.autopay_enabled });
    } catch (error) {
      setStatus({ error });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class={promote && !enabled ? 'promo' : undefined}>
      <h2>{t.autopay.title}</h2>
      <AutoPayStatus client={client} />
      {!enabled && (
        <p>{t.autopay.pitch}</p>
      )}
      {client.cards.length > 1 && !enabled && (
        <label>
          {t.autopay.cardFor}
          <select value={cardId} onChange={(e) => setCardId((e.target as HTMLSelectElement).value)}>
            {client.cards.map((c) => (
              <option key={c.id} value={c.id}>
                {t.common.cardEnding(capitalize(c.brand), c.last4)}
              </option>
            ))}
          </select>
        </label>
      )}
      {client.cards.length === 0 ? (
        <p class="muted">{t.autopay.needsCard}</p>
      ) : (
        <button type="button" role="switch" aria-checked={enabled} class="switch" disabled={busy} onClick={toggle}>
          <span class="track" aria-hidden="true" />
          {t.autopay.title}
        </button>
      )}
      <p aria-live="polite" class="muted">
        {status === null ? null : 'on' in status ? (status.on ? t.autopay.on : t.autopay.off) : w.problem(status.error)}
      </p>
    </section>
  );
}
