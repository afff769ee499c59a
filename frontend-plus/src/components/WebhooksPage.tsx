import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client';
import { call } from '@kit/api';
import { browserTimeZone } from '@kit/format';
import { useAction, useLoad } from '../hooks';
import { reloadStaffMe, useCan } from '../permissions';
import { webhooksPath } from '../routes';
import { CreateWebhookEndpointForm, type CreatedWebhookEndpoint } from './CreateWebhookEndpointForm';
import { ErrorMessage } from './ErrorMessage';
import { SecretShownOnce } from './SecretShownOnce';
import { WebhookDeliveries } from './WebhookDeliveries';
import { TableScroll } from './TableScroll';
import { DateTime } from './DateTime';

export type WebhookEndpointView = Schemas['WebhookEndpointView'];

/** An endpoint's state in words: active (perhaps failing), paused by an admin, or disabled after failing. */
export function endpointStatus(endpoint: WebhookEndpointView): ComponentChildren {
  if (endpoint.status === 'enabled') {
    return endpoint.failing_since
      ? <>Active, but every delivery has failed since <DateTime iso={endpoint.failing_since} timeZone={browserTimeZone()} /></>
      : 'Active';
  }
  const since = endpoint.disabled_at ? <> <DateTime iso={endpoint.disabled_at} timeZone={browserTimeZone()} /></> : null;
  return endpoint.disabled_reason === 'admin'
    ? <>Paused by an admin{since}</>
    : <>Disabled{since} after failing for 24 hours: fix the endpoint, then resume it or replay a delivery</>;
}

/**
 * Webhook endpoints (admins only; docs/integrations.md): register a partner system's URL for some events, see
 * its signing secret once, see each endpoint's state, pause and resume it, delete it after an in-app confirm step
 * (as API keys are revoked), and (`/plus/webhooks/<id>`) its recent deliveries with their attempts, and replay one.
 */
export function WebhooksPage({ params }: { params?: Record<string, string | undefined> }) {
  const selected = params?.endpointId;
  const admin = useCan('administer');
  const endpoints = useLoad(() => call(api.GET('/webhook-endpoints')), []);
  const [created, setCreated] = useState<CreatedWebhookEndpoint | null>(null);
  const toggle = useAction();
  const remove = useAction();
  const [confirming, setConfirming] = useState<WebhookEndpointView | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const listTitle = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = 'Webhook endpoints – PLUS Web';
    // The banner in the header counts endpoints disabled for failing: read it fresh on this page.
    reloadStaffMe();
  }, []);

  useLayoutEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  /** Back from the confirm step without deleting: focus returns to the endpoint's Delete button. */
  const keep = (endpoint: WebhookEndpointView) => {
    setConfirming(null);
    setTimeout(() => document.getElementById(`delete-${endpoint.id}`)?.focus(), 0);
  };

  const confirmDelete = (endpoint: WebhookEndpointView) => {
    void remove.run(async () => {
      await call(api.DELETE('/webhook-endpoints/{id}', { params: { path: { id: endpoint.id } } }));
      setConfirming(null);
      await endpoints.reload();
      reloadStaffMe();
      listTitle.current?.focus();
    });
  };

  const onCreated = (endpoint: CreatedWebhookEndpoint) => {
    setCreated(endpoint);
    void endpoints.reload();
  };
  const onSecretDone = () => {
    setCreated(null);
    listTitle.current?.focus();
  };

  const setEnabled = (endpoint: WebhookEndpointView, enabled: boolean) => {
    void toggle.run(async () => {
      await call(api.PATCH('/webhook-endpoints/{id}', {
        params: { path: { id: endpoint.id } },
        body: { status: enabled ? 'enabled' : 'disabled' },
      }));
      await endpoints.reload();
      reloadStaffMe();
    });
  };

  const changed = () => {
    void endpoints.reload();
    reloadStaffMe();
  };

  const current = endpoints.data?.find((e) => e.id === selected);

  return (
    <section class="card" aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhook endpoints</h1>
      <p class="muted">
        A partner system is told when money moves: each event is POSTed to its endpoint, signed as the Standard
        Webhooks specification says, and retried for 24 hours until it answers 2xx. An endpoint that fails for 24
        hours is disabled.
      </p>
      {created ? (
        <SecretShownOnce id="new-webhook-secret" title="Signing secret of the new endpoint" label="Signing secret"
          secret={created.secret}
          notice="Copy this secret into the partner system now: you will not see it again. It verifies the webhook-signature header of every event. If it is lost, delete the endpoint and register it again."
          copyText="Copy secret" copiedText="Copied. Paste it into the partner system now." onDone={onSecretDone} />
      ) : (
        admin && <CreateWebhookEndpointForm onCreated={onCreated} />
      )}
      <h2 id="endpoints-title" ref={listTitle} tabIndex={-1}>Endpoints</h2>
      {endpoints.loading && !endpoints.data && <p class="muted" role="status">Loading endpoints…</p>}
      <ErrorMessage error={endpoints.error} />
      {endpoints.data?.length === 0 && <p class="muted">No webhook endpoints yet.</p>}
      {endpoints.data && endpoints.data.length > 0 && (
        <TableScroll label="Webhook endpoints table">
        <table class="table webhook-endpoints" aria-labelledby="endpoints-title">
          <thead>
            <tr>
              <th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th>
              <th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data.map((endpoint) => {
              const failing = endpoint.status === 'disabled' && endpoint.disabled_reason === 'failing';
              return (
                <tr key={endpoint.id} class={failing ? 'failing' : undefined}
                  aria-current={endpoint.id === selected ? 'true' : undefined}>
                  <td><code class="url">{endpoint.url}</code></td>
                  <td>{endpoint.events.join(', ')}</td>
                  <td class={failing ? 'error-text' : undefined}>{endpointStatus(endpoint)}</td>
                  <td><DateTime iso={endpoint.created_at} timeZone={browserTimeZone()} /></td>
                  <td class="actions">
                    <a href={webhooksPath(endpoint.id)} aria-label={`Deliveries to ${endpoint.url}`}>Deliveries</a>{' '}
                    {endpoint.status === 'enabled' ? (
                      <button type="button" class="secondary small" disabled={toggle.busy}
                        aria-label={`Pause ${endpoint.url}`} onClick={() => setEnabled(endpoint, false)}>Pause</button>
                    ) : (
                      <button type="button" class="primary small" disabled={toggle.busy}
                        aria-label={`Resume ${endpoint.url}`} onClick={() => setEnabled(endpoint, true)}>Resume</button>
                    )}{' '}
                    {admin && (confirming?.id === endpoint.id ? (
                      <div class="confirm" role="group" aria-labelledby={`delete-confirm-${endpoint.id}`}>
                        <p id={`delete-confirm-${endpoint.id}`}>
                          Delete {endpoint.url} and its delivery history? No more events are sent to it. This cannot
                          be undone.
                        </p>
                        <button type="button" class="danger small" ref={confirmButton} disabled={remove.busy}
                          onClick={() => confirmDelete(endpoint)}>
                          {remove.busy ? 'Deleting…' : 'Confirm delete'}
                        </button>{' '}
                        <button type="button" class="secondary small" disabled={remove.busy}
                          onClick={() => keep(endpoint)}>Keep it</button>
                      </div>
                    ) : (
                      <button type="button" class="danger small" id={`delete-${endpoint.id}`} disabled={remove.busy}
                        aria-label={`Delete ${endpoint.url}`}
                        onClick={() => { remove.setError(null); setConfirming(endpoint); }}>Delete</button>
                    ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </TableScroll>
      )}
      <ErrorMessage error={toggle.error} />
      <ErrorMessage error={remove.error} />
      {selected && endpoints.data && !current && (
        <p class="error" role="alert">No webhook endpoint with this id: it may have been deleted.</p>
      )}
      {current && <WebhookDeliveries key={current.id} endpoint={current} onChanged={changed} />}
    </section>
  );
}
