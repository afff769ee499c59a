import { useRef, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { capitalize } from '@kit/format';
import { api } from '../api/client';
import { useWords, type Words } from '../i18n';

import { focusOnMount } from '@kit/focus';
type Client = Schemas['Client'];
type Card = Schemas['Card'];

const cardName = (card: Card, w: Words) => w.t.common.cardEnding(capitalize(card.brand), card.last4);

/**
 * The client's cards on file, each removable after an in-page confirm (`DELETE /me/cards/{card_id}`). The card
 * Auto Pay charges has no Remove: the API refuses it (`card_used_by_autopay`) so Auto Pay never stops without
 * the client choosing that; the page says how to free it.
 */
export function CardsOnFile({ client, onChange }: { client: Client; onChange: (c: Client) => void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // What the last removal did, kept as what happened (not words), so a switch of language rewrites it too.
  const [status, setStatus] = useState<{ removed: Card } | { error: unknown } | null>(null);
  const w = useWords();
  const { t } = w;
  const heading = useRef<HTMLHeadingElement>(null);

  const remove = async (card: Card) => {
    setBusy(true);
    setStatus(null);
    try {
      // 204 without a body: `call` wants data, so the answer is read here.
      const sent = api.DELETE('/me/cards/{card_id}', { params: { path: { card_id: card.id } } });
      await call(sent.then((answer) => (answer.response.ok ? { ...answer, data: true } : answer)));
      onChange({ ...client, cards: client.cards.filter((c) => c.id !== card.id) });
      setStatus({ removed: card });
      heading.current?.focus();
    } catch (error) {
      setStatus({ error });
    } finally {
      setBusy(false);
      setConfirming(null);
    }
  };

  return (
    <section aria-labelledby="cards-title">
      <h2 id="cards-title" ref={heading} tabIndex={-1}>
        {t.cards.title}
      </h2>
      {client.cards.length === 0 ? (
        <p class="muted">{t.cards.none}</p>
      ) : (
        <ul class="plain">
          {client.cards.map((card) => {
            const autopay = client.autopay_enabled && client.autopay_card_id === card.id;
            return (
              <li key={card.id} class="card-row">
                <span>
                  {cardName(card, w)}{' '}
                  <span class="muted">{t.common.expires(`${String(card.exp_month).padStart(2, '0')}/${card.exp_year}`)}</span>
                  {autopay && (
                    <>
                      <br />
                      <span class="muted">{t.cards.autopayCard}</span>
                    </>
                  )}
                </span>
                {!autopay &&
                  (confirming === card.id ? (
                    <span class="confirm" role="group" aria-label={t.cards.removeAsk(cardName(card, w))}>
                      <button type="button" class="danger" disabled={busy} onClick={() => void remove(card)} ref={focusOnMount}>
                        {t.cards.removeCard}
                      </button>
                      <button type="button" class="secondary" disabled={busy} onClick={() => setConfirming(null)}>
                        {t.cards.keep}
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      class="secondary"
                      aria-label={t.cards.removeNamed(cardName(card, w))}
                      onClick={() => {
                        setStatus(null);
                        setConfirming(card.id);
                      }}
                    >
                      {t.cards.remove}
                    </button>
                  ))}
              </li>
            );
          })}
        </ul>
      )}
      <p aria-live="polite" class="muted">
        {status === null ? null : 'removed' in status ? t.cards.removed(cardName(status.removed, w)) : w.problem(status.error)}
      </p>
    </section>
  );
}
