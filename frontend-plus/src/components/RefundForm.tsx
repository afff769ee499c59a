import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Payment, type Schemas } from '../api/client';
import { capitalize, centsToInput, formatCents, parseDollars } from '@kit/format';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { useAction } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { call } from '@kit/api';

export type Refund = Schemas['Refund'];
type Destination = Schemas['RefundDestination'];

/**
 * Refund (supervisors and admins): the amount, prefilled with what is left to refund, a required reason, and where
 * the money goes (back to the card, or kept as the client's credit); an in-app confirm step; then the refund.
 * `onDone` gets the refund the API answered (or nothing on cancel).
 */
export function RefundForm({ payment, onDone, onCancel }: {
  payment: Payment;
  onDone: (refund: Refund) => void;
  onCancel: () => void;
}) {
  const [amount, setAmount] = useState(centsToInput(payment.refundable_cents));
  const [reason, setReason] = useState('');
  const [destination, setDestination] = useState<Destination>('card');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const refund = useAction();
  const keys = useRef(new AttemptKeys()).current;
  const amountInput = useRef<HTMLInputElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);

  useLayoutEffect(() => amountInput.current?.focus(), []);
  useLayoutEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const cents = parseDollars(amount);
  const card = payment.card_last4 ? `${capitalize(payment.card_brand ?? 'card')} •••• ${payment.card_last4}` : 'the card';

  const review = (event: Event) => {
    event.preventDefault();
    refund.setError(null);
    if (cents === null || cents <= 0) return setInvalid('Enter an amount in dollars, for example 50.00.');
    if (cents > payment.refundable_cents) {
      return setInvalid(`At most ${formatCents(payment.refundable_cents)} is left to refund.`);
    }
    if (reason.trim() === '') return setInvalid('Give the reason for the refund.');
    setInvalid(null);
    setConfirming(true);
  };

  const confirm = () => {
    if (cents === null) return;
    void refund.run(async () => {
      // The whole of what is left is sent without an amount: the API refunds exactly what is left then.
      const amountPart = cents === payment.refundable_cents ? {} : { amount_cents: cents };
      // Card is the API's default: only a refund kept as credit names its destination.
      const body = { ...amountPart, reason: reason.trim(), ...(destination === 'credit' ? { destination } : {}) };
      try {
        const made = await sendMoneyMovingPost(keys, body, (key) => call(api.POST('/payments/{payment_id}/refunds', {
          params: { path: { payment_id: payment.id }, header: { 'Idempotency-Key': key } },
          body,
        })));
        onDone(made);
      } finally {
        setConfirming(false);
      }
    });
  };

  return (
    <form class="panel refund-form" onSubmit={review} aria-labelledby={`refund-title-${payment.id}`}>
      <h3 id={`refund-title-${payment.id}`}>Refund the payment of {formatCents(payment.amount_cents)}</h3>
      <p class="muted">{formatCents(payment.refundable_cents)} is left to refund, to {card}.</p>
      <div class="field">
        <label for={`refund-amount-${payment.id}`}>Amount to refund ($)</label>
        <input id={`refund-amount-${payment.id}`} ref={amountInput} inputMode="decimal" autoComplete="off"
          value={amount} disabled={confirming || refund.busy}
          onInput={(e) => { setAmount(e.currentTarget.value); setInvalid(null); }} />
      </div>
      <div class="field">
        <label for={`refund-reason-${payment.id}`}>Reason</label>
        <textarea id={`refund-reason-${payment.id}`} aria-required="true" maxLength={500} rows={2} value={reason}
          disabled={confirming || refund.busy}
          onInput={(e) => { setReason(e.currentTarget.value); setInvalid(null); }} />
      </div>
      <fieldset class="field" disabled={confirming || refund.busy}>
        <legend>Where the money goes</legend>
        <label class="radio stacked">
          <input type="radio" name={`refund-destination-${payment.id}`} value="card" checked={destination === 'card'}
            onChange={() => setDestination('card')} /> Back to {card}
        </label>
        <label class="radio stacked">
          <input type="radio" name={`refund-destination-${payment.id}`} value="credit" checked={destination === 'credit'}
            onChange={() => setDestination('credit')} /> Keep as credit (lowers the client's next payment)
        </label>
      </fieldset>
      {invalid && <p class="error" role="alert">{invalid}</p>}
      {!confirming ? (
        <div class="actions">
          <button type="submit" class="primary" disabled={refund.busy}>Refund</button>
          <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
        </div>
      ) : (
        <div class="confirm" role="group" aria-labelledby={`refund-confirm-${payment.id}`}>
          <p id={`refund-confirm-${payment.id}`}>
            {destination === 'card' ? (
              <>Give back <strong class="amount">{cents !== null ? formatCents(cents) : ''}</strong> to {card}? This cannot be undone.</>
            ) : (
              <>Keep <strong class="amount">{cents !== null ? formatCents(cents) : ''}</strong> as the client's credit? It lowers
                their next payment; nothing goes back to the card. This cannot be undone.</>
            )}
          </p>
          <button type="button" class="primary" ref={confirmButton} disabled={refund.busy} onClick={confirm}>
            {refund.busy ? 'Refunding…' : `Confirm refund of ${cents !== null ? formatCents(cents) : ''}`}
          </button>
          <button type="button" class="secondary" disabled={refund.busy} onClick={() => setConfirming(false)}>Back</button>
        </div>
      )}
      <ErrorMessage error={refund.error} />
    </form>
  );
}

/** What a refund's answer means, in words for staff. */
export function RefundOutcome({ refund }: { refund: Refund }) {
  if (refund.status === 'succeeded' && refund.destination === 'credit') {
    return (
      <p class="success" role="status">
        Refund of {formatCents(refund.amount_cents)} kept as credit: it lowers the client's next payment. It is in the Client Log.
      </p>
    );
  }
  if (refund.status === 'succeeded') {
    const what = refund.source === 'credit' ? 'Credit refund' : 'Refund';
    return <p class="success" role="status">{what} of {formatCents(refund.amount_cents)} succeeded. It is in the Client Log.</p>;
  }
  return (
    <p class="notice" role="status">
      The card processor has not confirmed the refund of {formatCents(refund.amount_cents)} yet (status: {refund.status}).
      Do not refund again; check Account History in a minute.
    </p>
  );
}
