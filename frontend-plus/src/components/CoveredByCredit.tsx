import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Client, type Schemas } from '../api/client';
import { formatCents, formatDate } from '@kit/format';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { call } from '@kit/api';
import { useAction } from '../hooks';
import { useCan } from '../permissions';
import { ErrorMessage } from './ErrorMessage';

type NextPayment = Schemas['NextPayment'];
export type CreditApplied = Schemas['CreditApplied'];

/** The answer of `apply_credit`, in words: the invoice and the new paid-through date. */
export function CreditAppliedNote({ applied, vehicle }: { applied: CreditApplied; vehicle: string }) {
  return (
    <p class="success" role="status">
      Credit applied: invoice #{applied.invoice.number} was added to the history; {vehicle} is now paid through{' '}
      {formatDate(applied.paid_through)}.
    </p>
  );
}

/**
 * Take Payment when the client's credit covers the whole period: nothing is charged. Supervisors and admins
 * (the `refund` permission) apply the credit instead, after an in-app confirm step; `onApplied` gets the answer
 * (Take Payment shows it, since the next suggestion replaces this one).
 */
export function CoveredByCredit({ client, next, onApplied }: {
  client: Client;
  next: NextPayment;
  onApplied: (applied: CreditApplied) => void;
}) {
  const canApply = useCan('refund');
  const [confirming, setConfirming] = useState(false);
  const apply = useAction();
  const keys = useRef(new AttemptKeys()).current;
  const confirmButton = useRef<HTMLButtonElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);

  useLayoutEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const confirm = () => {
    void apply.run(async () => {
      const body = { vehicle_id: next.vehicle_id, monitor_days: next.monitor_days };
      try {
        const answer = await sendMoneyMovingPost(keys, body, (key) => call(api.POST('/clients/{client_id}/credit-applications', {
          params: { path: { client_id: client.id }, header: { 'Idempotency-Key': key } },
          body,
        })));
        onApplied(answer);
      } finally {
        setConfirming(false);
      }
    });
  };

  const cancel = () => {
    setConfirming(false);
    startButton.current?.focus();
  };

  return (
    <>
      <p class="notice" role="status">The client's credit covers this period: nothing to charge.</p>
      {canApply && (!confirming ? (
        <button type="button" class="primary" ref={startButton} disabled={apply.busy}
          onClick={() => { apply.setError(null); setConfirming(true); }}>
          Apply credit
        </button>
      ) : (
        <div class="confirm" role="group" aria-labelledby="apply-credit-text">
          <p id="apply-credit-text">
            Apply <strong class="amount">{formatCents(next.credit_cents ?? 0)}</strong> of the client's credit to{' '}
            {next.vehicle_description}, {next.monitor_days} days? No card is charged.
          </p>
          <button type="button" class="primary" ref={confirmButton} disabled={apply.busy} onClick={confirm}>
            {apply.busy ? 'Applying…' : 'Confirm: apply credit'}
          </button>
          <button type="button" class="secondary" disabled={apply.busy} onClick={cancel}>Cancel</button>
        </div>
      ))}
      <ErrorMessage error={apply.error} />
    </>
  );
}
