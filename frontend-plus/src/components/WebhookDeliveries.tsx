import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client';
import { call } from '@kit/api';
import { browserTimeZone } from '@kit/format';
import { useAction, useLoad, usePolling } from '../hooks';
import type { WebhookEndpointView } from './WebhooksPage';
import { ErrorMessage } from './ErrorMessage';
import { TableScroll } from './TableScroll';
import { DateTime } from './DateTime';

type Delivery = Schemas['WebhookDeliveryView'];
type Attempt = Schemas['WebhookAttemptView'];

/** How often the open list of deliveries is read again, in milliseconds (deliveries change within seconds). */
const REFRESH_MS = 3000;

/** Where a delivery stands, with its next retry when one is due. */
function deliveryState(d: Delivery): ComponentChildren {
  switch (d.status) {
    case 'succeeded':
      return 'Delivered';
    case 'failed':
      return 'Gave up after 24 hours';
    case 'sending':
      return 'Sending now';
    case 'pending':
      return d.attempts === 0
        ? <>Due <DateTime iso={d.next_attempt_at} timeZone={browserTimeZone()} /></>
        : <>Next retry <DateTime iso={d.next_attempt_at} timeZone={browserTimeZone()} /></>;
  }
}

/** One attempt in words: when, what the endpoint answered (or why it did not), how long it took. */
function attemptText(a: Attempt): ComponentChildren {
  const answer = a.response_status === null || a.response_status === undefined ? 'no answer' : `HTTP ${a.response_status}`;
  const why = a.error ? ` (${a.error})` : '';
  return <><DateTime iso={a.attempted_at} timeZone={browserTimeZone()} />: {answer}{why}, {a.duration_ms} ms</>;
}

/**
 * One endpoint's newest deliveries (the API keeps 100) with every attempt, read again every few seconds; a
 * delivery can be replayed with its event id (which also resumes a disabled endpoint: `onChanged`).
 */
export function WebhookDeliveries({ endpoint, onChanged }: { endpoint: WebhookEndpointView; onChanged: () => void }) {
  const deliveries = useLoad(
    () => call(api.GET('/webhook-endpoints/{id}/deliveries', { params: { path: { id: endpoint.id } } })),
    [endpoint.id],
  );
  usePolling(() => void deliveries.reload(), REFRESH_MS);
  const replay = useAction();
  const [replayed, setReplayed] = useState<string | null>(null);
  const title = useRef<HTMLHeadingElement>(null);

  useLayoutEffect(() => title.current?.focus(), [endpoint.id]);

  const replayDelivery = (delivery: Delivery) => {
    setReplayed(null);
    void replay.run(async () => {
      await call(api.POST('/webhook-endpoints/{id}/deliveries/{delivery_id}/replay', {
        params: { path: { id: endpoint.id, delivery_id: delivery.id } },
      }));
      setReplayed(`${delivery.event_type} ${delivery.event_id} is queued again: it is sent within seconds, with the same webhook-id.`);
      await deliveries.reload();
      onChanged();
    });
  };

  return (
    <section class="panel" aria-labelledby="deliveries-title">
      <h2 id="deliveries-title" ref={title} tabIndex={-1}>Deliveries to {endpoint.url}</h2>
      {deliveries.loading && !deliveries.data && <p class="muted" role="status">Loading deliveries…</p>}
      <ErrorMessage error={deliveries.error} />
      {deliveries.data?.length === 0 && <p class="muted">Nothing sent to this endpoint yet.</p>}
      {deliveries.data && deliveries.data.length > 0 && (
        <TableScroll label="Deliveries table">
        <table class="table webhook-deliveries" aria-labelledby="deliveries-title">
          <thead>
            <tr>
              <th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th>
              <th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.map((delivery) => (
              <tr key={delivery.id}>
                <td><code>{delivery.event_type}</code><br /><small class="muted">{delivery.event_id}</small></td>
                <td>{deliveryState(delivery)}</td>
                <td>
                  {delivery.attempt_log.length === 0 ? (
                    <span class="muted">None yet</span>
                  ) : (
                    <ol class="attempts">
                      {delivery.attempt_log.map((attempt, i) => <li key={i}>{attemptText(attempt)}</li>)}
                    </ol>
                  )}
                </td>
                <td><DateTime iso={delivery.created_at} timeZone={browserTimeZone()} /></td>
                <td class="actions">
                  <button type="button" class="secondary small" disabled={replay.busy}
                    aria-label={`Replay ${delivery.event_type} ${delivery.event_id}`}
                    onClick={() => replayDelivery(delivery)}>Replay</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </TableScroll>
      )}
      <p class="muted" role="status" aria-live="polite">{replayed}</p>
      <ErrorMessage error={replay.error} />
    </section>
  );
}
