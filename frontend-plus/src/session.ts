/**
 * The staff session: the access token lives in sessionStorage (gone with the tab).
 * A 401 from any call ends the session with a reason the login page shows.
 */
const KEY = 'plus.token';
const EMAIL = 'plus.email';

type Listener = () => void;
const listeners = new Set<Listener>();
let endedReason: string | null = null;

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function staffEmail(): string | null {
  return sessionStorage.getItem(EMAIL);
}

export function signIn(token: string, email: string): void {
  sessionStorage.setItem(KEY, token);
  sessionStorage.setItem(EMAIL, email);
  endedReason = null;
  notify();
}

export function signOut(reason: string | null = null): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(EMAIL);
  endedReason = reason;
  notify();
}

/** Why the last session ended, if not by the user ("session expired"). */
export function sessionEndedReason(): string | null {
  return endedReason;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify() {
  for (const listener of listeners) listener();
}
