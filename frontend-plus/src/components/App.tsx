import { useEffect, useState } from 'preact/hooks';
import { href, navigate, onLinkClick, useRoute } from '../router';
import { logOut } from '../api/client';
import { getToken, onSessionChange, sessionEndedReason, staffEmail } from '../session';
import { ClientPage, type TabId } from './ClientPage';
import { LoginPage } from './LoginPage';
import { SearchPage } from './SearchPage';

export function App() {
  const [token, setToken] = useState(getToken);
  useEffect(() => onSessionChange(() => setToken(getToken())), []);
  if (!token) return <LoginPage reason={sessionEndedReason()} />;
  return <Shell />;
}

function Shell() {
  const route = useRoute();
  // "/" jumps to client search from anywhere outside a form field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key !== '/' || target?.closest('input, textarea, select, [contenteditable]')) return;
      event.preventDefault();
      if (!route.startsWith('/?') && route !== '/') navigate('/');
      setTimeout(() => document.getElementById('q')?.focus(), 0);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [route]);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <a class="brand" href={href('/')} onClick={onLinkClick('/')}>PLUS Web</a>
        <nav aria-label="Main">
          <a href={href('/')} onClick={onLinkClick('/')} aria-keyshortcuts="/">
            Client search <kbd>/</kbd>
          </a>
        </nav>
        <span class="spacer" />
        <span class="muted who">{staffEmail()}</span>
        <button type="button" class="secondary" onClick={() => void logOut()}>Log out</button>
      </header>
      <main id="main" class="page">
        <Page route={route} />
      </main>
    </>
  );
}

const TABS: TabId[] = ['link', 'history', 'log'];

function Page({ route }: { route: string }) {
  const [path = '/', search = ''] = route.split('?');
  const client = /^\/clients\/([0-9a-f-]{36})(?:\/(\w+))?\/?$/.exec(path);
  if (client?.[1]) {
    const tab = TABS.find((t) => t === client[2]) ?? 'link';
    return <ClientPage key={client[1]} clientId={client[1]} tab={tab} />;
  }
  const q = new URLSearchParams(search).get('q') ?? '';
  return <SearchPage initialQuery={q} />;
}
