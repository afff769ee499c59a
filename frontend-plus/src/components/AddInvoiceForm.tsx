import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Client, type Invoice } from '../api/client';
import { useAction } from '../hooks';
import { AttemptKeys, sendMoneyMovingPost } from '@kit/idempotency';
import { ErrorMessage } from './ErrorMessage';
import { Money } from './Money';
import { defaultDays, type MonitorDays, VehicleDaysFields } from './VehicleDaysFields';
import { call } from '@kit/api';

/** Add New Invoice: bill a monitoring period without taking a payment. */
export function AddInvoiceForm({ client, onAdded }: { client: Client; onAdded: () => void }) {
  const [vehicleId, setVehicleId] = useState(client.next_vehicle_id ?? client.vehicles[0]?.id ?? '');
  const [days, setDays] = useState<MonitorDays>(defaultDays(client));
  const [added, setAdded] = useState<Invoice | null>(null);
  const { busy, error, run } = useAction();
  const keys = useRef(new AttemptKeys()).current;
  // The outcome takes the focus: the invoice added, or why not (WCAG 2.4.3).
  const outcome = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    if (added || error) outcome.current?.focus();
  }, [added, error]);

  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const body = { vehicle_id: vehicleId, monitor_days: days };
      const invoice = await sendMoneyMovingPost(keys, body, (key) => call(api.POST('/clients/{client_id}/invoices', {
        params: { path: { client_id: client.id }, header: { 'Idempotency-Key': key } },
        body,
      })));
      setAdded(invoice);
      onAdded();
    });
  };

  return (
    <section class="card" aria-labelledby="add-invoice-title">
      <h2 id="add-invoice-title">Add New Invoice</h2>
      <form onSubmit={submit} class="panel">
        <VehicleDaysFields idPrefix="invoice" client={client} vehicleId={vehicleId} days={days}
          onVehicle={(id) => { setVehicleId(id); setAdded(null); }} onDays={(d) => { setDays(d); setAdded(null); }} />
        {/* Not disabled while adding: a focused button that turns disabled drops focus to the page body. */}
        <button type="submit" class="secondary" aria-busy={busy} disabled={client.vehicles.length === 0}>
          {busy ? 'Adding invoice…' : 'Add New Invoice'}
        </button>
        <div aria-live="polite" tabIndex={-1} ref={outcome} class="focus-target" data-testid="add-invoice-outcome">
          <ErrorMessage error={error} />
          {added && (
            <p class="success" role="status">
              Invoice #{added.number} for <Money cents={added.total_cents} /> added.
            </p>
          )}
        </div>
      </form>
    </section>
  );
}
