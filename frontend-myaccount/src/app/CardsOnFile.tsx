import { useRef, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { capitalize } from '@kit/format';
import { errorCode, problemMessage } from '@kit/problems';
import { api } from '../api/client';

type Client = Schemas['Client'];
type Card = Schemas['Card'];

const cardName = (card: Card) => `${capitalize(card.brand)} ending ${card.last4}`;

/**
 * The client's cards on file, each removable after an in-page confirm (`DELETE /me/cards/{card_id}`). The card
 * Auto Pay charges has no Remove: the API refuses it (`card_used_by_autopay`) so Auto Pay never stops without
 * the client choosing that; the page says how to free it.
 */
export function CardsOnFile({ client, onChange }: { client: Client; onChange: (c: Client) => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const remove = async (card: Card) => {
    setBusy(true);
    setStatus(null);
    try {
      // 204 without a body: `call` wants data, so the answer is read here.
      const sent = api.DELETE('/me/cards/{card_id}', { params: { path: { card_id: card.id } } });
      await call(sent.then((answer) => (answer.response.ok ? { ...answer, data: true } : answer)));
      onChange({ ...client, cards: client.cards.filter((c) => c.id !== card.id) });
      setStatus(`${cardName(card)} was removed.`);
      heading.current?.focus();
    } catch (error) {
      setStatus(problemMessage(errorCode(error)));
    } finally {
      setBusy(false);
      setConfirming(null);
    }
  };

  return (
    <section aria-labelledby="cards-title">
      <h2 id="cards-title" ref={heading} tabIndex={-1}>
        Cards on file
      </h2>
      {client.cards.length === 0 ? (
        <p class="muted">No cards on file. Tick "Save this card" when you make a payment to keep one.</p>
      ) : (
        <ul class="plain">
          {client.cards.map((card) => {
            const autopay = client.autopay_enabled && client.autopay_card_id === card.id;
            return (
              <li key={card.id} class="card-row">
                <span>
                  {cardName(card)}{' '}
                  <span class="muted">
                    (exp {String(card.exp_month).padStart(2, '0')}/{card.exp_year})
                  </span>
                  {autopay && (
                    <>
                      <br />
                      <span class="muted">Auto Pay charges this card. To remove it, turn Auto Pay off first.</span>
                    </>
                  )}
                </span>
                {!autopay &&
                  (confirming === card.id ? (
                    <span class="confirm" role="group" aria-label={`Remove ${cardName(card)}?`}>
                      <button type="button" class="danger" disabled={busy} onClick={() => void remove(card)} ref={(b) => b?.focus()}>
                        Remove card
                      </button>
                      <button type="button" class="secondary" disabled={busy} onClick={() => setConfirming(null)}>
                        Keep
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Remove ${cardName(card)}`}
                      onClick={() => {
                        setStatus(null);
                        setConfirming(card.id);
                      }}
                    >
                      Remove
                    </button>
                  ))}
              </li>
            );
          })}
        </ul>
      )}
      <p aria-live="polite" class="muted">
        {status}
      </p>
    </section>
  );
}
