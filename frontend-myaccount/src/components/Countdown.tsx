import { useEffect, useState } from 'preact/hooks';

/** m:ss */
export const formatSeconds = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * The warnings a screen reader hears (WCAG 2.2.1): once at 2 minutes and once at 30 seconds left, never on every
 * tick. `null` before the first one is due.
 */
export function warningFor(left: number): string | null {
  if (left <= 0) return null;
  if (left <= 30) return '30 seconds left to pay. After that, you can ask for a new link by text.';
  if (left <= 120) return '2 minutes left to pay this link.';
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
        Time left to pay: <strong role="timer" aria-live="off">{formatSeconds(left)}</strong>
      </p>
      <p class="visually-hidden" aria-live="polite" id="time-warning">
        {warningFor(left) ?? ''}
      </p>
    </>
  );
}
