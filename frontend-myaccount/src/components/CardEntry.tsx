import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
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
import { loadStripe, stripeAuthenticate, stripeToken, type StripeCardElement } from '../lib/stripe';
import { useWords } from '../i18n';

/**
 * A part of the card the payer may still have to enter: one sandbox field, or the card's details as a whole
 * (Stripe's one field, or fields not loaded yet). The pay button's hint puts it in words when it renders, so a
 * switch of language rewrites it.
 */
export type CardPart = keyof CardInput | 'details';

/** What a payment form needs from the card fields: are they complete, and a single-use token for them. */
export interface CardState {
  valid: boolean;
  /** What the payer still has to enter, for the pay button's hint. */
  missing: CardPart[];
  tokenize: () => Promise<string>;
  /**
   * Runs the bank's challenge (3-D Secure) of a payment the API answered `requires_action`, with its
   * `next_action.client_secret`: Stripe.js `handleNextAction`, or the sandbox bank's own step. Resolves when the
   * challenge is over, however it ended: only the API's confirm (which asks the gateway) says whether it was paid.
   */
  authenticate: (clientSecret: string) => Promise<void>;
}

/** The card state before the card fields have loaded. */
export const noCard: CardState = {
  valid: false,
  missing: ['details'],
  tokenize: () => Promise.reject(new Error('no card')),
  authenticate: () => Promise.reject(new Error('no card')),
};

/**
 * The card state while `/config` has not named the gateway: the sandbox fields' frame shows (disabled), so the
 * pay button's hint already names its fields and does not grow when they come alive (issue 18: no layout shift).
 */
export const loadingCard: CardState = { ...noCard, missing: ['number', 'expiry', 'cvc', 'postal'] };

/** A payment answer as far as 3-D Secure is concerned. */
interface Authenticable {
  status: string;
  next_action?: { client_secret: string } | null;
}

/**
 * Ends a payment answered `requires_action`: the card entry runs the bank's challenge, then `confirm` asks the API
 * for the outcome (at most twice: the payer may close Stripe's frame once). Other answers are returned as they
 * are; a decline thrown by `confirm` is thrown as the payment's own would be. The client secret is used here
 * and dropped: never stored or logged.
 */
export async function withAuthentication<T extends Authenticable>(
  result: T,
  card: CardState,
  confirm: () => Promise<T>,
): Promise<T> {
  let current = result;
  for (let round = 0; round < 2 && current.status === 'requires_action'; round++) {
    const secret = current.next_action?.client_secret;
    if (secret) await card.authenticate(secret);
    current = await confirm();
  }
  return current;
}

interface Props {
  /** The gateway `/config` named; `null` while it has not answered (the fields' frame shows, disabled). */
  gateway: string | null;
  publishableKey?: string | null;
  onChange: (state: CardState) => void;
  /**
   * How many times the bank declined this card entry's card. Each new decline keeps what may be kept (number,
   * expiry, ZIP: the payer's own typing, never stored), clears the security code (it is never kept after an
   * attempt), and moves focus to the card number, selected, so typing another card replaces it.
   */
  declines?: number;
  /**
   * How many times the payer tried to pay with something missing: each time every field shows its error and
   * focus moves to the first field at fault (WCAG 3.3.1).
   */
  checks?: number;
}

/** Card entry through the gateway's own tokenization. */
export function CardEntry({ gateway, publishableKey, onChange, declines = 0, checks = 0 }: Props) {
  // Before /config answers: the sandbox fields' frame, disabled. The sandbox's own fields then take these very
  // elements over, and Stripe's fieldset is as high (`.card-fields.stripe`), so what follows (the terms checkbox
  // the payer may already have ticked, the pay button) never moves when it answers (issue 18).
  if (gateway === null) return <SandboxCard onChange={onChange} declines={0} checks={0} loading />;
  if (gateway === 'stripe' && publishableKey)
    return <StripeCard publishableKey={publishableKey} onChange={onChange} declines={declines} />;
  // Typed card fields post to the sandbox only: with any other gateway a card number must never be typed here.
  if (gateway === 'sandbox') return <SandboxCard onChange={onChange} declines={declines} checks={checks} />;
  return <CardsUnavailable onChange={onChange} />;
}

const noChallenge = () => Promise.reject(new Error('card entry is not available'));

/** A gateway whose card fields cannot load here (e.g. Stripe without its publishable key): no fields at all. */
function CardsUnavailable({ onChange }: { onChange: Props['onChange'] }) {
  const { t } = useWords();
  useEffect(() => {
    onChange({ valid: false, missing: ['details'], tokenize: noChallenge, authenticate: noChallenge });
  }, [onChange]);
  return (
    <p class="problem" role="alert">
      {t.cardEntry.unavailable}
    </p>
  );
}

/** A challenge of the sandbox bank waiting for the payer's answer. */
interface Challenge {
  clientSecret: string;
  done: () => void;
  failed: (error: unknown) => void;
}

/** The sandbox card fields, in the order the payer meets them. */
const FIELDS: (keyof CardInput)[] = ['number', 'expiry', 'cvc', 'postal'];

function SandboxCard({
  onChange,
  declines,
  checks,
  loading = false,
}: {
  onChange: Props['onChange'];
  declines: number;
  checks: number;
  /** The gateway is not known yet: the fields show, disabled, and report no card. */
  loading?: boolean;
}) {
  const [card, setCard] = useState<CardInput>(emptyCard);
  const [touched, setTouched] = useState<Partial<Record<keyof CardInput, boolean>>>({});
  const [challenge, setChallenge] = useState<Challenge | null>(null);
  const numberField = useRef<HTMLInputElement>(null);
  const { t } = useWords();
  const errors = cardErrors(card, undefined, t.cardEntry.errors);
  const valid = Object.keys(errors).length === 0;

  useLayoutEffect(() => {
    if (declines === 0) return;
    setCard((typed) => ({ ...typed, cvc: '' }));
    setTouched({});
    numberField.current?.focus();
    numberField.current?.select();
  }, [declines]);

  const fieldset = useRef<HTMLFieldSetElement>(null);
  useLayoutEffect(() => {
    if (checks === 0) return;
    setTouched({ number: true, expiry: true, cvc: true, postal: true });
    const first = FIELDS.find((name) => errors[name]);
    const names: Record<keyof CardInput, string> = { number: 'cardnumber', expiry: 'exp-date', cvc: 'cvc', postal: 'postal' };
    if (first) fieldset.current?.querySelector<HTMLInputElement>(`input[name="${names[first]}"]`)?.focus();
  }, [checks]);

  useEffect(() => {
    if (loading) return; // the page starts from `noCard`
    onChange({
      valid,
      missing: FIELDS.filter((name) => errors[name]),
      authenticate: (clientSecret) =>
        new Promise<void>((done, failed) => setChallenge({ clientSecret, done, failed })),
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
  }, [card, valid, loading]);

  const field = (name: keyof CardInput, format: (value: string) => string) => ({
    value: card[name],
    onInput: (event: Event) => setCard({ ...card, [name]: format((event.target as HTMLInputElement).value) }),
    onBlur: () => setTouched((seen) => ({ ...seen, [name]: true })),
    'aria-invalid': touched[name] && errors[name] ? true : undefined,
    'aria-describedby': touched[name] && errors[name] ? `card-${name}-error` : undefined,
  });
  const error = (name: keyof CardErrors) =>
    touched[name] && errors[name] ? (
      // An alert: announced when it appears (on leaving the field, or on trying to pay), WCAG 3.3.1 and 4.1.3.
      <p class="field-error" id={`card-${name}-error`} role="alert">
        {errors[name]}
      </p>
    ) : null;

  return (
    <fieldset class="card-fields" ref={fieldset} disabled={loading} aria-busy={loading || undefined}>
      <legend>{t.cardEntry.legend}</legend>
      <label>
        {t.cardEntry.number}
        <input
          ref={numberField}
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
            {t.cardEntry.expiry}
            <input name="exp-date" inputMode="numeric" autoComplete="cc-exp" placeholder={t.cardEntry.expiryPlaceholder} {...field('expiry', formatExpiry)} />
          </label>
          {error('expiry')}
        </div>
        <div>
          <label>
            {t.cardEntry.cvc}
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
        {t.cardEntry.postal}
        <input name="postal" inputMode="numeric" autoComplete="postal-code" maxLength={10} {...field('postal', (v) => v)} />
      </label>
      {error('postal')}
      {challenge && <SandboxBank challenge={challenge} onEnd={() => setChallenge(null)} />}
    </fieldset>
  );
}

/**
 * The sandbox bank's 3-D Secure step, where Stripe would show the bank's page: the payer approves or fails, the
 * sandbox records it (`POST /sandbox/authenticate`), and the page then asks our API to confirm the payment.
 */
function SandboxBank({ challenge, onEnd }: { challenge: Challenge; onEnd: () => void }) {
  const first = useRef<HTMLButtonElement>(null);
  const [sending, setSending] = useState(false);
  const { t } = useWords();
  useLayoutEffect(() => {
    first.current?.scrollIntoView?.({ block: 'center' });
    first.current?.focus();
  }, []);
  const answer = async (outcome: 'approve' | 'fail') => {
    setSending(true);
    try {
      // 204 without a body: `call` wants data, so the answer is read here.
      const sent = api.POST('/sandbox/authenticate', { body: { client_secret: challenge.clientSecret, outcome } });
      await call(sent.then((answer) => (answer.response.ok ? { ...answer, data: true } : answer)));
      challenge.done();
    } catch (error) {
      challenge.failed(error);
    } finally {
      onEnd();
    }
  };
  return (
    <div class="promo" role="group" aria-labelledby="sandbox-bank-title">
      <p id="sandbox-bank-title">
        <strong>{t.cardEntry.bankTitle}</strong>
      </p>
      <p class="muted">{t.cardEntry.bankText}</p>
      <div class="row">
        <button type="button" ref={first} disabled={sending} onClick={() => answer('approve')}>
          {t.cardEntry.approve}
        </button>
        <button type="button" class="secondary" disabled={sending} onClick={() => answer('fail')}>
          {t.cardEntry.fail}
        </button>
      </div>
    </div>
  );
}

function StripeCard({ publishableKey, onChange, declines }: { publishableKey: string; onChange: Props['onChange']; declines: number }) {
  const mountPoint = useRef<HTMLDivElement>(null);
  const mounted = useRef<StripeCardElement | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const w = useWords();
  const { t } = w;

  // Stripe's Element keeps what the payer typed; after a decline it takes the focus for another try.
  useLayoutEffect(() => {
    if (declines > 0) mounted.current?.focus();
  }, [declines]);

  useEffect(() => {
    let element: StripeCardElement | undefined;
    let cancelled = false;
    loadStripe(publishableKey).then(
      (stripe) => {
        if (cancelled || !mountPoint.current) return;
        const card = stripe.elements().create('card', { style: { base: { fontSize: '16px' } } });
        element = card;
        mounted.current = card;
        card.mount(mountPoint.current);
        card.on('change', (event) => {
          setProblem(event.error?.message ?? null);
          onChange({
            valid: event.complete,
            missing: event.complete ? [] : ['details'],
            tokenize: () => stripeToken(stripe, card),
            authenticate: (clientSecret) => stripeAuthenticate(stripe, clientSecret),
          });
        });
      },
      (error: unknown) => setProblem(w.problem(error)),
    );
    const notReady = () => Promise.reject(new Error('card not ready'));
    onChange({ valid: false, missing: ['details'], tokenize: notReady, authenticate: notReady });
    return () => {
      cancelled = true;
      element?.destroy();
    };
  }, [publishableKey]);

  return (
    <fieldset class="card-fields stripe">
      <legend>{t.cardEntry.legend}</legend>
      <div ref={mountPoint} class="stripe-card" />
      {problem && <p class="field-error">{problem}</p>}
    </fieldset>
  );
}
