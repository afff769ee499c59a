import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api } from '../api/client';
import { capitalize } from '@kit/format';
import { useWords } from '../i18n';
import { AutoPayStatus } from './AutoPayStatus';

type Client = Schemas['Client'];
type MyAutopay = Schemas['MyAutopay'];

/**
 * The Auto Pay switch: on with a chosen card on file, or off. Turning it off asks first, in the page (issue 18:
 * never the browser's `confirm()`), saying what stops: the card and the next charge's day from `get_my_autopay`.
 * Focus moves to the question and comes back to the switch however it is answered. Where Auto Pay stands is
 * announced once, by the status line ([`AutoPayStatus`]); this section's own live region carries only errors.
 */
export function AutoPaySwitch({ client, onChange, promote }: { client: Client; onChange: (c: Client) => void; promote: boolean }) {
  const [cardId, setCardId] = useState(client.autopay_card_id ?? client.cards[0]?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  // Focus goes back to the switch once it can take it again (it is disabled while a change is sent).
  const [refocus, setRefocus] = useState(false);
  const [autopay, setAutopay] = useState<MyAutopay | null>(null);
  // A failed change, kept as what happened (not words), so a switch of language rewrites it too.
  const [error, setError] = useState<{ error: unknown } | null>(null);
  const switchRef = useRef<HTMLButtonElement>(null);
  const keepRef = useRef<HTMLButtonElement>(null);
  const w = useWords();
  const { t } = w;
  const enabled = client.autopay_enabled;

  useLayoutEffect(() => {
    if (refocus && !busy && !asking) {
      switchRef.current?.focus();
      setRefocus(false);
    }
  }, [refocus, busy, asking]);
  // The question takes focus when it opens, on its safe answer (Enter keeps Auto Pay on).
  useLayoutEffect(() => {
    if (asking) keepRef.current?.focus();
  }, [asking]);

  const change = async (on: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const result = await call(api.PUT('/me/autopay', { body: { enabled: on, card_id: on ? cardId || null : null } }));
      onChange({ ...client, ...result });
    } catch (caught) {
      setError({ error: caught });
    } finally {
      setBusy(false);
    }
  };

  const answer = (turnOff: boolean) => {
    setAsking(false);
    setRefocus(true);
    if (turnOff) void change(false);
  };

  const chargedCard = autopay?.card ?? client.cards.find((c) => c.id === client.autopay_card_id);
  const card = chargedCard ? t.common.cardEnding(capitalize(chargedCard.brand), chargedCard.last4) : '';
  const nextDay = autopay?.next_charge ? w.dayMonth(autopay.next_charge.date) : undefined;

  return (
    <section class={promote && !enabled ? 'promo' : undefined}>
      <h2>{t.autopay.title}</h2>
      <AutoPayStatus client={client} onStatus={setAutopay} />
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
        <button
          type="button"
          role="switch"
          aria-checked={enabled}
          class="switch"
          disabled={busy}
          ref={switchRef}
          onClick={() => (enabled ? setAsking(true) : void change(true))}
        >
          <span class="track" aria-hidden="true" />
          {t.autopay.title}
        </button>
      )}
      {asking && enabled && (
        <div
          class="notice"
          role="alertdialog"
          aria-labelledby="autopay-off-ask"
          aria-describedby="autopay-off-what"
          onKeyDown={(e) => {
            if (e.key === 'Escape') answer(false);
          }}
        >
          <p id="autopay-off-ask">
            <strong>{t.autopay.offAsk}</strong>
          </p>
          <p id="autopay-off-what">{t.autopay.offWhat(card, nextDay)}</p>
          <p>
            <button type="button" class="danger" onClick={() => answer(true)}>
              {t.autopay.turnOff}
            </button>{' '}
            <button type="button" class="secondary" onClick={() => answer(false)} ref={keepRef}>
              {t.autopay.keepOn}
            </button>
          </p>
        </div>
      )}
      <p aria-live="polite" class="muted">
        {error === null ? null : w.problem(error.error)}
      </p>
    </section>
  );
}
