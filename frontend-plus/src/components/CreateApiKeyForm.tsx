import { useState } from 'preact/hooks';
import { api, type Schemas } from '../api/client';
import { call } from '@kit/api';
import { useAction } from '../hooks';
import { ErrorMessage } from './ErrorMessage';

export type CreatedApiKey = Schemas['CreatedApiKeyView'];
type Scope = Schemas['Scope'];

/** Every scope, with what it allows (the API's Scope enum; docs/api.md, Integrations). */
export const SCOPES: { scope: Scope; label: string }[] = [
  { scope: 'clients:read', label: 'Search and read clients, their Client Log and payment links' },
  { scope: 'quotes:read', label: 'Quote a monitoring period' },
  { scope: 'links:write', label: 'Send, resend and revoke Secure Payment Links' },
  { scope: 'payments:read', label: 'Read account history and receipts' },
  { scope: 'payments:write', label: 'Take a Payment with a card on file' },
];

/** Create an API key: a name and at least one scope. `onCreated` gets the answer, which holds the key once. */
export function CreateApiKeyForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [invalid, setInvalid] = useState<string | null>(null);
  const create = useAction();

  const toggle = (scope: Scope, on: boolean) => {
    setScopes((now) => (on ? [...now, scope] : now.filter((s) => s !== scope)));
    setInvalid(null);
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (name.trim() === '') return setInvalid('Give the key a name: the system that will use it.');
    if (scopes.length === 0) return setInvalid('Choose at least one scope.');
    setInvalid(null);
    void create.run(async () => {
      const created = await call(api.POST('/api-keys', { body: { name: name.trim(), scopes } }));
      setName('');
      setScopes([]);
      onCreated(created);
    });
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create an API key</h2>
      <div class="field">
        <label for="api-key-name">Name</label>
        <input id="api-key-name" maxLength={100} autoComplete="off" value={name} disabled={create.busy}
          onInput={(e) => { setName(e.currentTarget.value); setInvalid(null); }} />
      </div>
      <fieldset class="field">
        <legend>Scopes</legend>
        {SCOPES.map(({ scope, label }) => (
          <label key={scope} class="check">
            <input type="checkbox" checked={scopes.includes(scope)} disabled={create.busy}
              onChange={(e) => toggle(scope, e.currentTarget.checked)} />
            {/* One run of text: at 320 px the words wrap after the name, never inside it. */}
            {' '}<span><code>{scope}</code> {label}</span>
          </label>
        ))}
      </fieldset>
      {invalid && <p class="error" role="alert">{invalid}</p>}
      <div class="actions">
        <button type="submit" class="primary" disabled={create.busy}>{create.busy ? 'Creating…' : 'Create key'}</button>
      </div>
      <ErrorMessage error={create.error} />
    </form>
  );
}
