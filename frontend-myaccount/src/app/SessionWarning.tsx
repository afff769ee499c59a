import { keepAlive, type KeepAlive, type Warning } from '@kit/keepalive';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, session } from '../api/client';
import { formatSeconds } from '../components/Countdown';
import { useWords } from '../i18n';

/**
 * Keeps the signed-in session alive while it is used and, in its last 2 minutes, says so with a "Stay signed in"
 * button (WCAG 2.2.1). The words are an alert (announced once when they appear); focus is left where it is.
 */
export function SessionWarning() {
  const [left, setLeft] = useState<Warning>(null);
  const keeper = useRef<KeepAlive | null>(null);
  const { t } = useWords();
  useEffect(() => {
    keeper.current = keepAlive(session, api, setLeft);
    return () => keeper.current?.stop();
  }, []);
  return (
    <div class="session-warning" role="alert" hidden={left === null}>
      {left !== null && (
        <>
          <p>{t.app.sessionWarning(formatSeconds(left))}</p>
          <button type="button" class="primary" onClick={() => void keeper.current?.extend()}>
            {t.app.staySignedIn}
          </button>
        </>
      )}
    </div>
  );
}
