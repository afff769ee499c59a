import { useRef, useState } from 'preact/hooks';
import { api, type Client, type Schemas } from '../api/client';
import { capitalize } from '@kit/format';
import { call } from '@kit/api';
import { useAction } from '../hooks';
import { ErrorMessage } from './ErrorMessage';

import { focusOnMount } from '@kit/focus';
type Card = Schemas['Card'];

const cardName = (card: Card) => `${capitalize(card.brand)} •••• ${card.last4}`;

/**
 * A client's cards on file, each removable by staff after an in-page confirm (`remove_client_card`; the Client
 * Log says who). The card Auto Pay charges has no Remove: the API refuses it (`card_used_by_autopay`), so Auto
 * Pay never stops without the client choosing that.
 */
export function CardsOnFile({ client, onChange }: { client: Client; onChange: () => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
  const remove = useAction();
  const heading = useRef<HTMLHeadingElement>(null);

  const confirm = (card: Card) =>
    void remove.run(async () => {
      try {
        // 204 without a body: `call` wants data, so the answer is read here.
        const sent = api.DELETE('/clients/{client_id}/cards/{card_id}', {
          params: { path: { client_id: client.id, card_id: card.id } },
        });
        await call(sent.then((answer) => (answer.response.ok ? { ...answer, data: true } : answer)));
        setRemoved(`${cardName(card)} was removed.`);
        heading.current?.focus();
        onChange();
      } finally {
        setConfirming(null);
      }
    });

  return (
    <section class="card cards-on-file" aria-labelledby="cards-title">
      <h2 id="cards-title" ref={heading} tabIndex={-1}>Cards on file</h2>
      <p aria-live="polite" class="muted">{removed}</p>
      {client.cards.length === 0 ? (
        <p class="muted">No cards on file.</p>
      ) : (
        <ul class="plain">
          {client.cards.map((card) => {
            const autopay = client.autopay_enabled && client.autopay_card_id === card.id;
            return (
              <li key={card.id}>
                <span>
                  {cardName(card)}{' '}
                  <span class="muted">(exp {String(card.exp_month).padStart(2, '0')}/{card.exp_year})</span>
                  {autopay && <span class="muted"> · Auto Pay card: the client turns Auto Pay off before it can be removed</span>}
                </span>
                {!autopay &&
                  (confirming === card.id ? (
                    <span role="group" aria-label={`Remove ${cardName(card)}?`}>
                      <button type="button" class="danger small" disabled={remove.busy} onClick={() => confirm(card)} ref={focusOnMount}>
                        Confirm: remove {cardName(card)}
                      </button>
                      <button type="button" class="secondary small" disabled={remove.busy} onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                    </span>
                  ) : (
                    <button type="button" class="secondary small" aria-label={`Remove ${cardName(card)}`}
                      onClick={() => { setRemoved(null); remove.setError(null); setConfirming(card.id); }}>
                      Remove
                    </button>
                  ))}
              </li>
            );
          })}
        </ul>
      )}
      <ErrorMessage error={remove.error} />
    </section>
  );
}
