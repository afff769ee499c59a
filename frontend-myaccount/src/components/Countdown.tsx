import { useEffect, useState } from 'preact/hooks';
import { useWords, type Catalog } from '../i18n';
import { en } from '../i18n/en';

/** m:ss */
export const formatSeconds = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * The warnings a screen reader hears (WCAG 2.2.1): once at 2 minutes and once at 30 seconds left, never on every
 * tick. `null` before the first one is due. `words`: the page's language's (English unless given).
 */
export function warningFor(left: number, words: Catalog['pay'] = en.pay): string | null {
  if (left <= 0) return null;
  if (left <= 30) return words.warning30s;
  if (left <= 120) return words.warning2m;
  return null;
}

/**
 * Counts down from the API's `seconds_left` on the monotonic clock, so a wrong or changed device
 * clock cannot stretch the link's life. The visible timer is not a live region (it would speak every
 * second); a separate polite live region speaks the warnings of `warningFor`.
 */
export function Countdown({ secondsLeft, onExpired }: { secondsLeft: number; onExpired: () => void }) {
  const [deadline] = useState(() => performance.now() + secondsLeft * 1000);
  const [left, setLeft] = useState(secondsLeft);
  const { t } = useWords();

  useEffect(() => {
    const tick = () => {
      const remaining = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
      setLeft(remaining);
      if (remaining === 0) {
        clearInterval(timer);
        onExpired();
      }
    };
    const timer = setInterval(tick, 250);
    tick();
    return () => clearInterval(timer);
  }, [deadline]);

  return (
    <>
      <p class={left <= 120 ? 'countdown urgent' : 'countdown'}>
        {t.pay.timeLeft} <strong role="timer" aria-live="off">{formatSeconds(left)}</strong>
      </p>
      <p class="visually-hidden" aria-live="polite" id="time-warning">
        {warningFor(left, t.pay) ?? ''}
      </p>
    </>
  );
}
