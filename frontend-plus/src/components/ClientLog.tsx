import { api } from '../api/client';
import { useLoad } from '../hooks';
import { ErrorMessage } from './ErrorMessage';
import { call } from '@kit/api';
import type { Schemas } from '../api/client';
import { DateTime } from './DateTime';

/**
 * What follows an author's name in the Client Log: the kind of author in words, or nothing where the name says who
 * it is already ("System", "Payer at (737) 555-0199", "API key “Billing system”"). Never the raw code (`api_key`).
 */
const AUTHOR_SUFFIX: Record<Schemas['AuthorKind'], string> = {
  staff: ' (staff)',
  client: ' (client)',
  api_key: '',
  system: '',
  payer: '',
};

/** The client's log of comments, newest first, timed on the clocks of the client's location (`timeZone`); reloads
 * after sends and payments. */
export function ClientLog({ clientId, timeZone, version }: { clientId: string; timeZone: string; version: number }) {
  const log = useLoad(
    () => call(api.GET('/clients/{client_id}/log', { params: { path: { client_id: clientId } } })),
    [clientId, version],
  );
  return (
    <section class="card" aria-labelledby="log-title">
      <div class="section-head">
        <h2 id="log-title">Client Log</h2>
        <button type="button" class="secondary small" onClick={() => void log.reload()}>Refresh</button>
      </div>
      <ErrorMessage error={log.error} />
      {log.loading && !log.data && <p class="muted" role="status">Loading log…</p>}
      {log.data?.length === 0 && <p class="muted">No comments yet.</p>}
      <ol class="log">
        {log.data?.map((entry) => (
          <li key={entry.id}>
            <p class="log-message">{entry.message}</p>
            <p class="muted small-text">
              {entry.author_name}
              {AUTHOR_SUFFIX[entry.author_kind]} · <DateTime iso={entry.created_at} timeZone={timeZone} />
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
