import { useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client';
import { call } from '@kit/api';
import { useAction } from '../hooks';
import { ErrorMessage } from './ErrorMessage';

export type CreatedWebhookEndpoint = Schemas['CreatedWebhookEndpointView'];
export type EventType = Schemas['EventType'];

/** Every event type, with when it is sent (the API's EventType enum; docs/integrations.md). */
export const EVENT_TYPES: { event: EventType; label: string }[] = [
  { event: 'payment.succeeded', label: 'A payment succeeded' },
  { event: 'payment.failed', label: 'A payment failed' },
  { event: 'payment.refunded', label: 'A payment was refunded' },
  { event: 'link.sent', label: 'A Secure Payment Link was sent' },
  { event: 'link.opened', label: 'A link was opened' },
  { event: 'link.paid', label: 'A link was paid' },
  { event: 'link.expired', label: 'A link expired unpaid' },
  { event: 'autopay.failed', label: 'An Auto Pay charge failed' },
];

/**
 * Register a webhook endpoint: the partner's URL and at least one event type. `onCreated` gets the answer, which
 * holds the signing secret once.
 */
export function CreateWebhookEndpointForm({ onCreated }: { onCreated: (created: CreatedWebhookEndpoint) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<EventType[]>([]);
  const [invalid, setInvalid] = useState<string | null>(null);
  const create = useAction();

  const toggle = (event: EventType, on: boolean) => {
    setEvents((now) => (on ? [...now, event] : now.filter((e) => e !== event)));
    setInvalid(null);
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (url.trim() === '') return setInvalid('Enter the URL the partner system receives events at.');
    if (events.length === 0) return setInvalid('Choose at least one event.');
    setInvalid(null);
    void create.run(async () => {
      const created = await call(api.POST('/webhook-endpoints', { body: { url: url.trim(), events } }));
      setUrl('');
      setEvents([]);
      onCreated(created);
    });
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-endpoint-title">
      <h2 id="create-endpoint-title">Register an endpoint</h2>
      <div class="field">
        <label for="endpoint-url">Endpoint URL</label>
        <input id="endpoint-url" type="url" inputMode="url" maxLength={2000} autoComplete="off" size={56}
          placeholder="https://partner.example/hooks/payments" value={url} disabled={create.busy}
          aria-describedby="endpoint-url-hint"
          onInput={(e) => { setUrl(e.currentTarget.value); setInvalid(null); }} />
        <p id="endpoint-url-hint" class="muted">Events are POSTed there, signed (Standard Webhooks); https:// in production.</p>
      </div>
      <fieldset class="field">
        <legend>Events</legend>
        {EVENT_TYPES.map(({ event, label }) => (
          <label key={event} class="check">
            <input type="checkbox" checked={events.includes(event)} disabled={create.busy}
              onChange={(e) => toggle(event, e.currentTarget.checked)} />
            {/* One run of text: at 320 px the words wrap after the name, never inside it. */}
            {' '}<span><code>{event}</code> {label}</span>
          </label>
        ))}
      </fieldset>
      {invalid && <p class="error" role="alert">{invalid}</p>}
      <div class="actions">
        <button type="submit" class="primary" disabled={create.busy}>
          {create.busy ? 'Registering…' : 'Register endpoint'}
        </button>
      </div>
      <ErrorMessage error={create.error} />
    </form>
  );
}
