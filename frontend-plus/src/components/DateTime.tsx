import { formatDateTime, formatTime } from '@kit/format';

/**
 * An instant (RFC 3339) as `formatDateTime` writes it on the clocks of `timeZone` (`Dec 1, 2026, 9:30 AM`), in a
 * `<time>` element. Its date and its time of day each stay on one line, so where space is short (a table's column
 * at 320 px shrinks to its narrowest word) it takes two lines, never four or five; the text is the same.
 */
export function DateTime({ iso, timeZone }: { iso: string; timeZone: string }) {
  const text = formatDateTime(iso, timeZone);
  const time = formatTime(iso, timeZone);
  // `Dec 1, 2026, ` then `9:30 AM`: the date part ends where the time of day starts.
  const date = text.endsWith(time) ? text.slice(0, text.length - time.length).trimEnd() : '';
  return (
    <time dateTime={iso} class="date-time">
      {date ? <><span>{date}</span> <span>{time}</span></> : <span>{text}</span>}
    </time>
  );
}
