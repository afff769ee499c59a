import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client';
import { call } from '@kit/api';
import { browserTimeZone } from '@kit/format';
import { useAction, useLoad } from '../hooks';
import { useCan } from '../permissions';
import { CreateApiKeyForm, type CreatedApiKey } from './CreateApiKeyForm';
import { ErrorMessage } from './ErrorMessage';
import { NewApiKey } from './NewApiKey';
import { TableScroll } from './TableScroll';
import { DateTime } from './DateTime';

export type ApiKeyView = Schemas['ApiKeyView'];

/**
 * API keys (admins only; docs/api.md, Integrations): create a key for a partner system, see its secret once,
 * see who created each key and when it was last used, and revoke one after an in-app confirm step.
 */
export function ApiKeysPage() {
  const admin = useCan('administer');
  const keys = useLoad(() => call(api.GET('/api-keys')), []);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirming, setConfirming] = useState<ApiKeyView | null>(null);
  const revoke = useAction();
  const confirmButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    document.title = 'API keys – PLUS Web';
  }, []);
  useLayoutEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const onCreated = (key: CreatedApiKey) => {
    setCreated(key);
    void keys.reload();
  };

  const confirmRevoke = (key: ApiKeyView) => {
    void revoke.run(async () => {
      await call(api.DELETE('/api-keys/{id}', { params: { path: { id: key.id } } }));
      setConfirming(null);
      await keys.reload();
    });
  };

  return (
    <section class="card" aria-labelledby="api-keys-title">
      <h1 id="api-keys-title">API keys</h1>
      <p class="muted">
        A partner system (a case system, a scheduler, accounting) signs its requests with a key. Give each system its
        own key with only the scopes it needs, and revoke a key as soon as it is no longer used or may have leaked.
      </p>
      {created ? (
        <NewApiKey created={created} onDone={() => setCreated(null)} />
      ) : (
        admin && <CreateApiKeyForm onCreated={onCreated} />
      )}
      <h2>Keys</h2>
      {keys.loading && !keys.data && <p class="muted" role="status">Loading keys…</p>}
      <ErrorMessage error={keys.error} />
      {keys.data?.length === 0 && <p class="muted">No API keys yet.</p>}
      {keys.data && keys.data.length > 0 && (
        <TableScroll label="API keys table">
        <table class="table api-keys">
          <thead>
            <tr>
              <th scope="col">Name</th><th scope="col">Key</th><th scope="col">Scopes</th><th scope="col">Created</th>
              <th scope="col">Created by</th>
              <th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td><code>{key.key_prefix}…</code></td>
                <td>{key.scopes.join(', ')}</td>
                <td><DateTime iso={key.created_at} timeZone={browserTimeZone()} /></td>
                <td>{key.created_by_name}</td>
                <td>{key.last_used_at ? <DateTime iso={key.last_used_at} timeZone={browserTimeZone()} /> : 'Never'}</td>
                <td class="actions">
                  {key.revoked_at ? (
                    <span class="muted">Revoked <DateTime iso={key.revoked_at} timeZone={browserTimeZone()} /></span>
                  ) : confirming?.id === key.id ? (
                    <div class="confirm" role="group" aria-labelledby={`revoke-confirm-${key.id}`}>
                      <p id={`revoke-confirm-${key.id}`}>
                        Revoke “{key.name}”? Every request with it is refused at once. This cannot be undone.
                      </p>
                      <button type="button" class="danger small" ref={confirmButton} disabled={revoke.busy}
                        onClick={() => confirmRevoke(key)}>
                        {revoke.busy ? 'Revoking…' : `Confirm revoke of ${key.name}`}
                      </button>
                      <button type="button" class="secondary small" disabled={revoke.busy}
                        onClick={() => setConfirming(null)}>Keep it</button>
                    </div>
                  ) : (
                    <button type="button" class="danger small" disabled={revoke.busy}
                      onClick={() => { revoke.setError(null); setConfirming(key); }}
                      aria-label={`Revoke ${key.name}`}>Revoke</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </TableScroll>
      )}
      <ErrorMessage error={revoke.error} />
    </section>
  );
}
