import { useEffect, useState } from 'preact/hooks';

/** m:ss */
export const formatSeconds = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * Counts down from the API's `seconds_left` on the monotonic clock, so a wrong or changed device
 * clock cannot stretch the link's life.
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
    <p class={left < 60 ? 'countdown urgent' : 'countdown'}>
      Time left to pay: <strong role="timer">{formatSeconds(left)}</strong>
    </p>
  );
}
