import { RELOAD_SIGNS_OUT, storageSurvivesReload } from '@kit/storage';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { logOut, session } from '../api/client';
import { API_KEYS_PATH, BASE, CLIENT_ROUTE, searchPath } from '../routes';
import { useCan } from '../permissions';
import { ApiKeysPage } from './ApiKeysPage';
import { ClientPage, type TabId } from './ClientPage';
import { LoginPage } from './LoginPage';
import { SearchPage } from './SearchPage';

export function App() {
  const [token, setToken] = useState(() => session.token());
  useEffect(() => {
    const sync = () => setToken(session.token());
    const unsubscribe = session.onChange(sync);
    sync(); // a session that ended before this subscribed
    return unsubscribe;
  }, []);
  if (!token) return <LoginPage reason={session.endedReason()} />;
  // Links under /plus/ navigate in place; any other link (and a modified click) is the browser's.
  return (
    <LocationProvider scope={BASE}>
      <Shell />
    </LocationProvider>
  );
}

function Shell() {
  const { path, route } = useLocation();
  // "/" jumps to client search from anywhere outside a form field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== '/' || target?.closest('input, textarea, select, [contenteditable]')) return;
      event.preventDefault();
      if (`${path}/` !== BASE) route(searchPath());
      setTimeout(() => document.getElementById('q')?.focus(), 0);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [path]);
  const admin = useCan('administer');
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href={searchPath()}>PLUS Web</a>
        <nav aria-label="Main">
          <a href={searchPath()} aria-keyshortcuts="/">
            Client search <kbd>/</kbd>
          </a>
          {admin && <a href={API_KEYS_PATH}>API keys</a>}
        </nav>
        <span class="spacer" />
        <span class="muted who">{session.who()}</span>
        <button type="button" class="secondary" onClick={() => void logOut()}>Log out</button>
      </header>
      <main id="main" class="page">
        {!storageSurvivesReload() && <p class="notice">{RELOAD_SIGNS_OUT}</p>}
        <Router>
          <Route path={CLIENT_ROUTE} component={ClientRoute} />
          <Route path={API_KEYS_PATH} component={ApiKeysPage} />
          <Route default component={SearchRoute} />
        </Router>
      </main>
    </>
  );
}

const TABS: TabId[] = ['link', 'history', 'log'];
const UUID = /^[0-9a-f-]{36}$/;

/** `/plus/clients/<id>[/<tab>]`: an unknown tab opens the first; a malformed id is a search, as it always was. */
function ClientRoute({ params }: { params: Record<string, string | undefined> }) {
  const { clientId = '', tab } = params;
  if (!UUID.test(clientId) || (tab !== undefined && !/^\w+$/.test(tab))) return <SearchRoute />;
  return <ClientPage key={clientId} clientId={clientId} tab={TABS.find((t) => t === tab) ?? 'link'} />;
}

function SearchRoute() {
  const { query } = useLocation();
  return <SearchPage initialQuery={query.q ?? ''} />;
}
