import { cleanup, render, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CardEntry, noCard, withAuthentication, type CardState } from './CardEntry';

/** A payment answer as the API sends it, for these tests. */
interface Answer {
  status: string;
  next_action?: { client_secret: string } | null;
}

// Stripe.js cannot load offline: a fake `window.Stripe` stands in for it, and the script tag "loads" at once.
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  delete window.Stripe;
});

function fakeStripe() {
  let change: ((event: { complete: boolean }) => void) | undefined;
  const element = {
    mount: vi.fn(),
    on: vi.fn((_: 'change', handler: (event: { complete: boolean }) => void) => {
      change = handler;
    }),
    destroy: vi.fn(),
    focus: vi.fn(),
  };
  const stripe = {
    elements: () => ({ create: () => element }),
    createPaymentMethod: vi.fn(async () => ({ paymentMethod: { id: 'pm_card' } })),
    handleNextAction: vi.fn(async () => ({})),
  };
  window.Stripe = vi.fn(() => stripe);
  vi.spyOn(document.head, 'append').mockImplementation((...nodes) => {
    for (const node of nodes) queueMicrotask(() => (node as HTMLScriptElement).onload?.(new Event('load')));
  });
  return { stripe, element, completeCard: () => change?.({ complete: true }) };
}

describe('Stripe card entry and 3-D Secure', () => {
  it('runs the bank challenge with stripe.handleNextAction, then trusts only the API confirm', async () => {
    const { stripe, element, completeCard } = fakeStripe();
    let state: CardState = noCard;
    render(<CardEntry gateway="stripe" publishableKey="pk_test_local" onChange={(s) => (state = s)} />);
    await waitFor(() => expect(element.mount).toHaveBeenCalled());
    completeCard();
    expect(state.valid).toBe(true);
    expect(await state.tokenize()).toBe('pm_card');

    await state.authenticate('pi_123_secret_abc');
    expect(stripe.handleNextAction).toHaveBeenCalledWith({ clientSecret: 'pi_123_secret_abc' });

    // Then the API is asked to confirm, and only its answer counts.
    const confirm = vi.fn(async (): Promise<Answer> => ({ status: 'succeeded', next_action: null }));
    const result = await withAuthentication(
      { status: 'requires_action', next_action: { client_secret: 'pi_123_secret_abc' } },
      state,
      confirm,
    );
    expect(result.status).toBe('succeeded');
    expect(stripe.handleNextAction).toHaveBeenCalledTimes(2);
    expect(confirm).toHaveBeenCalledTimes(1);
  });

  it('stops after two challenges when the bank still waits, and leaves other answers alone', async () => {
    const authenticate = vi.fn(async () => undefined);
    const card: CardState = { ...noCard, authenticate };
    const waiting: Answer = { status: 'requires_action', next_action: { client_secret: 'pi_123_secret_abc' } };
    const confirm = vi.fn(async () => waiting);
    expect((await withAuthentication(waiting, card, confirm)).status).toBe('requires_action');
    expect(authenticate).toHaveBeenCalledTimes(2);
    expect(confirm).toHaveBeenCalledTimes(2);

    // A replayed answer has no secret: the confirm gives it again.
    authenticate.mockClear();
    const confirmAgain = vi
      .fn()
      .mockResolvedValueOnce(waiting)
      .mockResolvedValueOnce({ status: 'succeeded', next_action: null });
    const replayed = await withAuthentication<Answer>({ status: 'requires_action', next_action: null }, card, confirmAgain);
    expect(replayed.status).toBe('succeeded');
    expect(authenticate).toHaveBeenCalledTimes(1);

    const paid: Answer = { status: 'succeeded', next_action: null };
    const untouched = vi.fn();
    expect(await withAuthentication(paid, card, untouched)).toBe(paid);
    expect(untouched).not.toHaveBeenCalled();
  });
});
