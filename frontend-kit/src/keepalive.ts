/**
 * Sessions that warn before they end and extend on activity (WCAG 2.2.1, Timing Adjustable). The API's
 * `refresh_session` slides a session an hour from now, up to 12 hours after sign-in (docs/security.md): this
 * asks for it when the person does something (a click or a key, at most once a minute, once the token is over
 * 5 minutes old), says when 2 minutes are left (the app shows "Stay signed in"), and at the end signs out with
 * `SESSION_EXPIRED`, so the sign-in page says why.
 */
import { call, type Api } from './api';
import { SESSION_EXPIRED, type Session } from './session';

/** Seconds before the end at which the warning starts. */
export const WARN_SECONDS = 120;
const REFRESH_AFTER_SECONDS = 300;
const ACTIVITY_EVERY_MS = 60_000;

/** `iat` and `exp` of a JWT (seconds since the epoch), read without checking it (the API checks it). */
export function tokenTimes(token: string): { iat: number; exp: number } | null {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const { iat, exp } = JSON.parse(json) as { iat?: unknown; exp?: unknown };
    return typeof iat === 'number' && typeof exp === 'number' ? { iat, exp } : null;
  } catch {
    return null;
  }
}

/** What the app shows: `null` while nothing needs saying, else the seconds left (≤ `WARN_SECONDS`). */
export type Warning = number | null;

export interface KeepAlive {
  /** Refreshes now ("Stay signed in"); resolves false when the session could not be extended. */
  extend(): Promise<boolean>;
  stop(): void;
}

/** Watches `session` while it is signed in; `onWarning` hears the seconds left in the last 2 minutes, or null. */
export function keepAlive(session: Session, api: Api, onWarning: (left: Warning) => void): KeepAlive {
  let lastActivityRefresh = 0;
  let refreshing: Promise<boolean> | null = null;

  const extend = (): Promise<boolean> => {
    if (refreshing) return refreshing;
    const token = session.token();
    if (!token) return Promise.resolve(false);
    refreshing = call(api.POST('/auth/refresh'))
      .then((answer) => {
        if (session.token() === token) session.signIn(answer.access_token, session.who() ?? undefined);
        return answer.expires_in > WARN_SECONDS;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
        tick();
      });
    return refreshing;
  };

  const tick = () => {
    const token = session.token();
    const times = token ? tokenTimes(token) : null;
    if (!times) return onWarning(null);
    const left = Math.floor(times.exp - Date.now() / 1000);
    if (left <= 0) {
      onWarning(null);
      session.signOut(SESSION_EXPIRED);
    } else onWarning(left <= WARN_SECONDS ? left : null);
  };

  const onActivity = () => {
    const token = session.token();
    const times = token ? tokenTimes(token) : null;
    if (!times || Date.now() - lastActivityRefresh < ACTIVITY_EVERY_MS) return;
    // In the last 2 minutes only "Stay signed in" extends: the warning stays until the person answers it.
    const left = times.exp - Date.now() / 1000;
    if (Date.now() / 1000 - times.iat < REFRESH_AFTER_SECONDS || left <= WARN_SECONDS) return;
    lastActivityRefresh = Date.now();
    void extend();
  };

  const timer = setInterval(tick, 1000);
  addEventListener('pointerdown', onActivity, true);
  addEventListener('keydown', onActivity, true);
  tick();
  return {
    extend,
    stop() {
      clearInterval(timer);
      removeEventListener('pointerdown', onActivity, true);
      removeEventListener('keydown', onActivity, true);
    },
  };
}

/** The warning's words, for a live region: "Your session ends in 1:45." */
export function warningWords(left: number): string {
  const minutes = Math.floor(left / 60);
  const seconds = String(left % 60).padStart(2, '0');
  return `For your security, you will be signed out in ${minutes}:${seconds} unless you stay signed in.`;
}
