import { RELOAD_SIGNS_OUT, storageSurvivesReload } from '@kit/storage';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import { setSlashShortcut, slashShortcutOn } from '../shortcut';
import { api, logOut, session } from '../api/client';
import { API_KEYS_PATH, BASE, CLIENT_ROUTE, WEBHOOKS_ROUTE, searchPath, webhooksPath } from '../routes';
import { useCan } from '../permissions';
import { ApiKeysPage } from './ApiKeysPage';
import { ClientPage, type TabId } from './ClientPage';
import { FailingWebhooksBanner } from './FailingWebhooksBanner';
import { LoginPage } from './LoginPage';
import { SearchPage } from './SearchPage';
import { SessionWarning } from '@kit/SessionWarning';
import { WebhooksPage } from './WebhooksPage';

/** A stable ref callback: focuses the element once, in the same task that puts it on screen (an effect runs later). */
const focusWhenShown = (element: HTMLElement | null) => element?.focus();

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
  const [slashOn, setSlashOn] = useState(slashShortcutOn);
  // Something typed into a form on this page and not yet sent: "/" asks before leaving it.
  const dirty = useRef(false);
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    dirty.current = false;
    const onInput = (event: Event) => {
      if ((event.target as HTMLElement | null)?.closest('main form')) dirty.current = true;
    };
    const onSubmit = () => {
      dirty.current = false;
    };
    document.addEventListener('input', onInput, true);
    document.addEventListener('submit', onSubmit, true);
    return () => {
      document.removeEventListener('input', onInput, true);
      document.removeEventListener('submit', onSubmit, true);
    };
  }, [path]);
  const toSearch = () => {
    setAsking(false);
    if (`${path}/` !== BASE) route(searchPath());
    setTimeout(() => document.getElementById('q')?.focus(), 0);
  };
  // The key listener is bound once and reads the newest render's values: a listener re-bound in an effect would
  // leave a window after each render (until the effect runs) in which a "/" sees the previous page or setting.
  const latest = useRef({ path, slashOn, toSearch });
  latest.current = { path, slashOn, toSearch };
  // "/" jumps to client search from anywhere outside a form field, unless turned off (WCAG 2.1.4).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const { path: here, slashOn: on, toSearch: go } = latest.current;
      const target = event.target as HTMLElement | null;
      if (!on || event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target?.closest('input, textarea, select, [contenteditable]')) return;
      event.preventDefault();
      if (dirty.current && `${here}/` !== BASE) setAsking(true);
      else go();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const admin = useCan('administer');
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href={searchPath()}>PLUS Web</a>
        <nav aria-label="Main">
          <a href={searchPath()} aria-keyshortcuts={slashOn ? '/' : undefined}>
            Client search {slashOn && <kbd>/</kbd>}
          </a>
          {admin && <a href={API_KEYS_PATH}>API keys</a>}
          {admin && <a href={webhooksPath()}>Webhooks</a>}
        </nav>
        <span class="spacer" />
        <label class="shortcut-setting">
          <input
            type="checkbox"
            checked={slashOn}
            onChange={(e) => {
              setSlashShortcut(e.currentTarget.checked);
              setSlashOn(e.currentTarget.checked);
            }}
          />
          "/" shortcut
        </label>
        <span class="muted who">{session.who()}</span>
        <button type="button" class="secondary" onClick={() => void logOut()}>Log out</button>
      </header>
      {asking && (
        <div class="confirm leave-confirm" role="alertdialog" aria-labelledby="leave-title" aria-describedby="leave-text">
          <p id="leave-title"><strong>Leave this page?</strong></p>
          <p id="leave-text">What you typed into the form on this page has not been sent and will be lost.</p>
          <button type="button" class="secondary" id="leave-stay" onClick={() => setAsking(false)} ref={focusWhenShown}>
            Stay on this page
          </button>{' '}
          <button type="button" class="danger" onClick={toSearch}>
            Leave and search
          </button>
        </div>
      )}
      <main id="main" class="page">
        {!storageSurvivesReload() && <p class="notice">{RELOAD_SIGNS_OUT}</p>}
        {admin && <FailingWebhooksBanner />}
        <Router>
          <Route path={CLIENT_ROUTE} component={ClientRoute} />
          <Route path={API_KEYS_PATH} component={ApiKeysPage} />
          <Route path={WEBHOOKS_ROUTE} component={WebhooksPage} />
          <Route default component={SearchRoute} />
        </Router>
      </main>
      <SessionWarning session={session} api={api} />
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
