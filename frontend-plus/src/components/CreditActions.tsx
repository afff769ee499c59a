import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Client, type Schemas } from '../api/client';
import { centsToInput, formatCents, parseDollars } from '@kit/format';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { call } from '@kit/api';
import { useAction } from '../hooks';
import { useCan } from '../permissions';
import { ErrorMessage } from './ErrorMessage';
import { RefundOutcome, type Refund } from './RefundForm';

type CreditGrant = Schemas['CreditGrant'];
type Mode = 'grant' | 'refund';

/**
 * The client's credit, for supervisors and admins (the `refund` permission): Grant credit (a goodwill credit that
 * lowers the next payment) and, while the client has credit, Refund credit (paid back out to the card of a recent
 * payment). Each is a form with an in-app confirm step; `onChange` runs after either, so the header and the lists
 * reload.
 */
export function CreditActions({ client, onChange }: { client: Client; onChange: () => void }) {
  const canManage = useCan('refund');
  const [mode, setMode] = useState<Mode | null>(null);
  const [outcome, setOutcome] = useState<{ granted: CreditGrant } | { refunded: Refund } | null>(null);
  if (!canManage) return null;
  const open = (next: Mode) => {
    setOutcome(null);
    setMode(mode === next ? null : next);
  };
  return (
    <div class="credit-actions">
      <div class="actions">
        <button type="button" class="secondary" aria-expanded={mode === 'grant'} onClick={() => open('grant')}>
          Grant credit
        </button>
        {client.credit_cents > 0 && (
          <button type="button" class="secondary" aria-expanded={mode === 'refund'} onClick={() => open('refund')}>
            Refund credit
          </button>
        )}
      </div>
      <div aria-live="polite">
        {outcome && 'granted' in outcome && (
          <p class="success" role="status">
            Credit of {formatCents(outcome.granted.amount_cents)} granted: it lowers the client's next payment. It is in
            the Client Log.
          </p>
        )}
        {outcome && 'refunded' in outcome && <RefundOutcome refund={outcome.refunded} />}
      </div>
      {mode && (
        <CreditForm key={mode} client={client} mode={mode} onCancel={() => setMode(null)}
          onDone={(done) => { setMode(null); setOutcome(done); onChange(); }} />
      )}
    </div>
  );
}

function CreditForm({ client, mode, onDone, onCancel }: {
  client: Client;
  mode: Mode;
  onDone: (done: { granted: CreditGrant } | { refunded: Refund }) => void;
  onCancel: () => void;
}) {
  const [amount, setAmount] = useState(mode === 'refund' ? centsToInput(client.credit_cents) : '');
  const [reason, setReason] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const keys = useRef(new AttemptKeys()).current;
  const amountInput = useRef<HTMLInputElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => amountInput.current?.focus(), []);
  useLayoutEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const cents = parseDollars(amount);
  const title = mode === 'grant' ? 'Grant a goodwill credit' : 'Refund the client\'s credit to a card';
  const id = `credit-${mode}-${client.id}`;

  const review = (event: Event) => {
    event.preventDefault();
    action.setError(null);
    if (cents === null || cents <= 0) return setInvalid('Enter an amount in dollars, for example 25.00.');
    if (mode === 'refund' && cents > client.credit_cents) {
      return setInvalid(`The client's credit is ${formatCents(client.credit_cents)}.`);
    }
    if (reason.trim() === '') return setInvalid('Give the reason.');
    setInvalid(null);
    setConfirming(true);
  };

  const confirm = () => {
    if (cents === null) return;
    void action.run(async () => {
      try {
        if (mode === 'grant') {
          const body = { amount_cents: cents, reason: reason.trim() };
          const granted = await sendMoneyMovingPost(keys, body, (key) => call(api.POST('/clients/{client_id}/credits', {
            params: { path: { client_id: client.id }, header: { 'Idempotency-Key': key } },
            body,
          })));
          onDone({ granted });
        } else {
          // All of the credit is sent without an amount: the API refunds exactly the credit there is then.
          const body = cents === client.credit_cents ? { reason: reason.trim() } : { amount_cents: cents, reason: reason.trim() };
          const refunded = await sendMoneyMovingPost(keys, body, (key) => call(api.POST('/clients/{client_id}/credit-refunds', {
            params: { path: { client_id: client.id }, header: { 'Idempotency-Key': key } },
            body,
          })));
          onDone({ refunded });
        }
      } finally {
        setConfirming(false);
      }
    });
  };

  const shown = cents !== null ? formatCents(cents) : '';
  return (
    <form class="panel credit-form" onSubmit={review} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <p class="muted">
        {mode === 'grant'
          ? 'A goodwill credit lowers the client\'s next payment (a "Credit" line).'
          : `The client's credit is ${formatCents(client.credit_cents)}. It goes back to the card of their newest payment of the last 180 days that can take it.`}
      </p>
      <div class="field">
        <label for={`${id}-amount`}>Amount ($)</label>
        <input id={`${id}-amount`} ref={amountInput} inputMode="decimal" autoComplete="off" value={amount}
          disabled={confirming || action.busy}
          onInput={(e) => { setAmount(e.currentTarget.value); setInvalid(null); }} />
      </div>
      <div class="field">
        <label for={`${id}-reason`}>Reason</label>
        <textarea id={`${id}-reason`} aria-required="true" maxLength={500} rows={2} value={reason}
          disabled={confirming || action.busy}
          onInput={(e) => { setReason(e.currentTarget.value); setInvalid(null); }} />
      </div>
      {invalid && <p class="error" role="alert">{invalid}</p>}
      {!confirming ? (
        <div class="actions">
          <button type="submit" class="primary" disabled={action.busy}>{mode === 'grant' ? 'Grant' : 'Refund'}</button>
          <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
        </div>
      ) : (
        <div class="confirm" role="group" aria-labelledby={`${id}-confirm`}>
          <p id={`${id}-confirm`}>
            {mode === 'grant'
              ? <>Grant <strong class="amount">{shown}</strong> of credit to {client.first_name} {client.last_name}?</>
              : <>Give back <strong class="amount">{shown}</strong> of the client's credit to their card? This cannot be undone.</>}
          </p>
          <button type="button" class="primary" ref={confirmButton} disabled={action.busy} onClick={confirm}>
            {action.busy ? 'Sending…' : mode === 'grant' ? `Confirm credit of ${shown}` : `Confirm credit refund of ${shown}`}
          </button>
          <button type="button" class="secondary" disabled={action.busy} onClick={() => setConfirming(false)}>Back</button>
        </div>
      )}
      <ErrorMessage error={action.error} />
    </form>
  );
}
