import { tabStorage } from './storage';

/** Why a session ended when the API refused its token (a 401 on a signed-in call). */
export const SESSION_EXPIRED = 'Your session has expired. Please sign in again.';

type Listener = () => void;

/**
 * A signed-in session of one app: its access token (a JWT, `exp` ≤ 1 h) and who signed in, kept in this tab
 * only (`tabStorage`: gone with the tab, never shared with the other app). Listeners hear every sign-in and
 * sign-out; one that subscribes late reads `token()` to learn what it missed.
 */
export class Session {
  private readonly listeners = new Set<Listener>();
  private ended: string | null = null;

  /** `app` names the storage keys (`plus` → `plus.token`), so both apps on one origin keep apart. */
  constructor(private readonly app: string) {}

  /** The access token, or null when signed out. */
  token(): string | null {
    return tabStorage.getItem(`${this.app}.token`);
  }

  /** Who signed in (e.g. the staff member's email), as given to `signIn`. */
  who(): string | null {
    return tabStorage.getItem(`${this.app}.who`);
  }

  signIn(token: string, who?: string): void {
    tabStorage.setItem(`${this.app}.token`, token);
    if (who === undefined) tabStorage.removeItem(`${this.app}.who`);
    else tabStorage.setItem(`${this.app}.who`, who);
    this.ended = null;
    this.notify();
  }

  /** Forgets the token; `reason` (e.g. `SESSION_EXPIRED`) is what the sign-in page then says, none when the person signed out. */
  signOut(reason: string | null = null): void {
    tabStorage.removeItem(`${this.app}.token`);
    tabStorage.removeItem(`${this.app}.who`);
    this.ended = reason;
    this.notify();
  }

  /** Why the last session ended, when it was not the person's own sign-out. */
  endedReason(): string | null {
    return this.ended;
  }

  /** Calls `listener` after every sign-in and sign-out; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
