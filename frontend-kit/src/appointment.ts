/**
 * A service appointment's wall-clock time in the client location's time zone (issue 18), read one way by both
 * apps. The API answers `starts_at` with the location's offset on that day (`2026-12-12T10:00:00-06:00`), so its
 * date and time are read from the text as they are, never through `Date` and the browser's zone; booking (PLUS
 * Web) sends the date and time staff typed with the offset the location's zone has at that moment.
 */

import { formatClockTime } from './format';

const pad = (n: number) => String(n).padStart(2, '0');

const STARTS_AT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * `YYYY-MM-DD` (a business date) and `HH:MM` of a `starts_at` as the location's clock shows it. A RangeError for
 * anything but RFC 3339 with an offset: a time without one could not say whose clock it is.
 */
export function wallClock(startsAt: string): { date: string; time: string } {
  const m = STARTS_AT.exec(startsAt);
  if (!m?.[1] || !m[2]) throw new RangeError(`not an appointment time with its offset: ${startsAt}`);
  return { date: m[1], time: m[2] };
}

/**
 * An appointment's day (a business date, `YYYY-MM-DD`, for the apps' date formatters) and its time of day on the
 * location's clock in `locale`'s words: `2026-12-12T21:30:00-06:00` → `2026-12-12`, `9:30 PM` (`en-US`) or
 * `9:30 p.m.` (`es-US`), in whatever time zone the browser is.
 */
export function appointmentClock(startsAt: string, locale = 'en-US'): { date: string; time: string } {
  const { date, time } = wallClock(startsAt);
  return { date, time: formatClockTime(time, locale) };
}

/** Minutes `timeZone` is ahead of UTC at `instant` (negative west of Greenwich). */
function offsetMinutes(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour') % 24, part('minute'));
  return Math.round((asUtc - Math.floor(instant / 60_000) * 60_000) / 60_000);
}

/**
 * `date` (`YYYY-MM-DD`) at `time` (`HH:MM`) on the clocks of `timeZone` (IANA), as RFC 3339 with that zone's
 * offset then: `2026-12-12T10:00:00-06:00` in America/Chicago, `…-05:00` in July. A time skipped by a daylight
 * saving change is read with the offset after it.
 */
export function zonedStartsAt(date: string, time: string, timeZone: string): string {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  const [h = 0, mi = 0] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, h, mi);
  let offset = offsetMinutes(wall, timeZone);
  offset = offsetMinutes(wall - offset * 60_000, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${date}T${time}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The zone's short name at an instant (`CST`, `CDT`), or '' when the browser does not know the zone. */
export function zoneAbbreviation(startsAt: string, timeZone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' }).formatToParts(new Date(startsAt));
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}
