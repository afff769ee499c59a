import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { api, type ClientSummary } from '../api/client';
import { formatPhone } from '@kit/format';
import { useAction } from '../hooks';
import { useLocation } from 'preact-iso';
import { clientPath, searchPath } from '../routes';
import { ErrorMessage } from './ErrorMessage';
import { call } from '@kit/api';
import { TableScroll } from './TableScroll';

/** Client search by name or phone; the query lives in the URL so Back returns to the results. */
export function SearchPage({ initialQuery }: { initialQuery: string }) {
  const [query, setQuery] = useState(initialQuery);
  const [results, setResults] = useState<ClientSummary[] | null>(null);
  const { busy, error, setError, run } = useAction();
  const { route } = useLocation();

  const search = (q: string) => {
    const trimmed = q.trim();
    if (trimmed.length < 2) {
      setResults(null);
      return;
    }
    void run(async () => {
      setResults(await call(api.GET('/clients', { params: { query: { q: trimmed } } })));
      route(searchPath(trimmed), true);
    });
  };

  // Search as the agent types (debounced); Enter searches at once.
  useEffect(() => {
    const id = setTimeout(() => search(query), 300);
    return () => clearTimeout(id);
  }, [query]);

  const submit = (event: Event) => {
    event.preventDefault();
    if (query.trim().length < 2) setError({ code: 'query_too_short' });
    else search(query);
  };

  // Signing in or pressing "/" lands here: the search field takes the focus (its label is announced).
  useLayoutEffect(() => {
    document.title = 'Find a client – PLUS Web';
    document.getElementById('q')?.focus();
  }, []);

  return (
    <section class="card" aria-labelledby="search-title">
      <h1 id="search-title">Find a client</h1>
      <form class="search-form" role="search" onSubmit={submit}>
        <label for="q">Name or phone</label>
        <div class="row">
          <input id="q" type="search" autoComplete="off" placeholder="e.g. Dana or 512 555 0143"
            value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
      <div aria-live="polite">
        {results && results.length === 0 && <p class="muted">No clients match “{query.trim()}”.</p>}
        {results && results.length > 0 && (
          <TableScroll label="Matching clients table">
          <table class="table results">
            <caption class="sr-only">Clients matching “{query.trim()}”</caption>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Phone</th><th scope="col">Email</th><th scope="col">Location</th></tr>
            </thead>
            <tbody>
              {results.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={clientPath(c.id)}>
                      {c.first_name} {c.last_name}
                    </a>
                  </td>
                  <td>{formatPhone(c.phone)}</td>
                  <td>{c.email}</td>
                  <td>{c.location_name}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </TableScroll>
        )}
      </div>
    </section>
  );
}
