import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from '@kit/api';
import { api } from '../api/client';
import {
  cardErrors,
  digitsOnly,
  emptyCard,
  formatCardNumber,
  formatExpiry,
  parseExpiry,
  type CardErrors,
  type CardInput,
} from '../lib/card';
import { loadStripe, stripeToken, type StripeCardElement } from '../lib/stripe';
import { problemMessage as errorMessage } from '@kit/problems';

/** What a payment form needs from the card fields: are they complete, and a single-use token for them. */
export interface CardState {
  valid: boolean;
  tokenize: () => Promise<string>;
}

interface Props {
  gateway: string;
  publishableKey?: string | null;
  onChange: (state: CardState) => void;
}

/**
 * Card entry through the gateway's own tokenization. Remount it (change its `key`) to clear it,
 * e.g. after a decline.
 */
export function CardEntry({ gateway, publishableKey, onChange }: Props) {
  if (gateway === 'stripe' && publishableKey) return <StripeCard publishableKey={publishableKey} onChange={onChange} />;
  // Typed card fields post to the sandbox only: with any other gateway a card number must never be typed here.
  if (gateway === 'sandbox') return <SandboxCard onChange={onChange} />;
  return <CardsUnavailable onChange={onChange} />;
}

/** A gateway whose card fields cannot load here (e.g. Stripe without its publishable key): no fields at all. */
function CardsUnavailable({ onChange }: { onChange: Props['onChange'] }) {
  useEffect(() => {
    onChange({ valid: false, tokenize: () => Promise.reject(new Error('card entry is not available')) });
  }, [onChange]);
  return (
    <p class="problem" role="alert">
      Card payments are not available right now. Please call us to pay.
    </p>
  );
}

function SandboxCard({ onChange }: { onChange: Props['onChange'] }) {
  const [card, setCard] = useState<CardInput>(emptyCard);
  const [touched, setTouched] = useState<Partial<Record<keyof CardInput, boolean>>>({});
  const errors = cardErrors(card);
  const valid = Object.keys(errors).length === 0;

  useEffect(() => {
    onChange({
      valid,
      tokenize: async () => {
        const expiry = parseExpiry(card.expiry);
        const response = await call(
          api.POST('/sandbox/tokenize', {
            body: {
              number: digitsOnly(card.number),
              exp_month: expiry?.month ?? 0,
              exp_year: expiry?.year ?? 0,
              cvc: card.cvc,
              postal_code: card.postal.trim(),
            },
          }),
        );
        return response.payment_token;
      },
    });
  }, [card, valid]);

  const field = (name: keyof CardInput, format: (value: string) => string) => ({
    value: card[name],
    onInput: (event: Event) => setCard({ ...card, [name]: format((event.target as HTMLInputElement).value) }),
    onBlur: () => setTouched({ ...touched, [name]: true }),
    'aria-invalid': touched[name] && errors[name] ? true : undefined,
    'aria-describedby': touched[name] && errors[name] ? `card-${name}-error` : undefined,
  });
  const error = (name: keyof CardErrors) =>
    touched[name] && errors[name] ? (
      <p class="field-error" id={`card-${name}-error`}>
        {errors[name]}
      </p>
    ) : null;

  return (
    <fieldset class="card-fields">
      <legend>Card details</legend>
      <label>
        Card number
        <input
          name="cardnumber"
          inputMode="numeric"
          autoComplete="cc-number"
          placeholder="1234 1234 1234 1234"
          {...field('number', formatCardNumber)}
        />
      </label>
      {error('number')}
      <div class="row">
        <div>
          <label>
            Expiry (MM/YY)
            <input name="exp-date" inputMode="numeric" autoComplete="cc-exp" placeholder="MM/YY" {...field('expiry', formatExpiry)} />
          </label>
          {error('expiry')}
        </div>
        <div>
          <label>
            Security code
            <input
              name="cvc"
              inputMode="numeric"
              autoComplete="cc-csc"
              placeholder="CVC"
              maxLength={4}
              {...field('cvc', (v) => digitsOnly(v).slice(0, 4))}
            />
          </label>
          {error('cvc')}
        </div>
      </div>
      <label>
        Billing ZIP code
        <input name="postal" inputMode="numeric" autoComplete="postal-code" maxLength={10} {...field('postal', (v) => v)} />
      </label>
      {error('postal')}
    </fieldset>
  );
}

function StripeCard({ publishableKey, onChange }: { publishableKey: string; onChange: Props['onChange'] }) {
  const mountPoint = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let element: StripeCardElement | undefined;
    let cancelled = false;
    loadStripe(publishableKey).then(
      (stripe) => {
        if (cancelled || !mountPoint.current) return;
        const card = stripe.elements().create('card', { style: { base: { fontSize: '16px' } } });
        element = card;
        card.mount(mountPoint.current);
        card.on('change', (event) => {
          setProblem(event.error?.message ?? null);
          onChange({ valid: event.complete, tokenize: () => stripeToken(stripe, card) });
        });
      },
      (error: unknown) => setProblem(errorMessage(error)),
    );
    onChange({ valid: false, tokenize: () => Promise.reject(new Error('card not ready')) });
    return () => {
      cancelled = true;
      element?.destroy();
    };
  }, [publishableKey]);

  return (
    <fieldset class="card-fields">
      <legend>Card details</legend>
      <div ref={mountPoint} class="stripe-card" />
      {problem && <p class="field-error">{problem}</p>}
    </fieldset>
  );
}
