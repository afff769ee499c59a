import { ApiError } from '@kit/problems';

// The few parts of Stripe.js this app uses (loaded from js.stripe.com at run time, never bundled).
export interface StripeCardElement {
  mount(element: HTMLElement): void;
  on(event: 'change', handler: (event: { complete: boolean; error?: { message: string } }) => void): void;
  destroy(): void;
  focus(): void;
}
interface StripeJs {
  elements(): { create(type: 'card', options?: Record<string, unknown>): StripeCardElement };
  createPaymentMethod(options: {
    type: 'card';
    card: StripeCardElement;
  }): Promise<{ paymentMethod?: { id: string }; error?: { code?: string; message?: string } }>;
  handleNextAction(options: { clientSecret: string }): Promise<{ error?: { code?: string; message?: string } }>;
}
declare global {
  interface Window {
    Stripe?: (publishableKey: string) => StripeJs;
  }
}

let loading: Promise<StripeJs> | undefined;

/** Adds the Stripe.js script tag the first time a Stripe card field is shown. */
export function loadStripe(publishableKey: string): Promise<StripeJs> {
  loading ??= new Promise<StripeJs>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'https://js.stripe.com/v3/';
    script.async = true;
    script.onload = () => (window.Stripe ? resolve(window.Stripe(publishableKey)) : reject(new Error('no Stripe')));
    script.onerror = () => {
      loading = undefined;
      script.remove();
      reject(new ApiError(0, 'network_error', 'Stripe.js did not load'));
    };
    document.head.append(script);
  });
  return loading;
}

/** Turns the card in the Stripe element into a PaymentMethod id (`pm_…`), the single-use token our API takes. */
export async function stripeToken(stripe: StripeJs, card: StripeCardElement): Promise<string> {
  const { paymentMethod, error } = await stripe.createPaymentMethod({ type: 'card', card });
  if (paymentMethod) return paymentMethod.id;
  throw new ApiError(402, error?.code ?? 'payment_method_invalid', error?.message ?? 'card refused');
}

/**
 * Runs the bank's challenge (3-D Secure) of a payment our API answered `requires_action` for, in Stripe's own
 * frame (Stripe: "Finalize payments on the server", `handleNextAction`). It resolves when the challenge is over,
 * whatever the payer or the bank did: only the API's confirm, which asks Stripe, says whether it was paid.
 */
export async function stripeAuthenticate(stripe: StripeJs, clientSecret: string): Promise<void> {
  await stripe.handleNextAction({ clientSecret });
}
