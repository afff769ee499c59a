/**
 * The session warning both apps show (WCAG 2.2.1, Timing Adjustable): it keeps the signed-in session alive while
 * it is used ([`keepAlive`](./keepalive.ts)) and, in its last 2 minutes, says so with a "Stay signed in" button.
 * The words are an alert (announced once when they appear); focus is left where it is.
 *
 * Preact comes from the app that compiles this file (`resolve.dedupe` in `vite.ts`, `paths` in each app's
 * tsconfig.json): one copy of Preact and its hooks per bundle.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api';
import { keepAlive, warningWords, type KeepAlive, type Warning } from './keepalive';
import type { Session } from './session';

export interface SessionWarningProps {
  /** The app's signed-in session. */
  session: Session;
  /** The app's API client (it refreshes the session). */
  api: Api;
  /** The warning's sentence for the seconds left (default: English, `warningWords`). */
  words?: (secondsLeft: number) => string;
  /** The button's label (default: "Stay signed in"). */
  stayLabel?: string;
}

export function SessionWarning({ session, api, words = warningWords, stayLabel = 'Stay signed in' }: SessionWarningProps) {
  const [left, setLeft] = useState<Warning>(null);
  const keeper = useRef<KeepAlive | null>(null);
  useEffect(() => {
    keeper.current = keepAlive(session, api, setLeft);
    return () => keeper.current?.stop();
  }, [session, api]);
  return (
    <div class="session-warning" role="alert" hidden={left === null}>
      {left !== null && (
        <>
          <p>{words(left)}</p>
          <button type="button" class="primary" onClick={() => void keeper.current?.extend()}>
            {stayLabel}
          </button>
        </>
      )}
    </div>
  );
}
