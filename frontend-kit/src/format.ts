/**
 * How both apps write money, dates and phone numbers. Money comes from the API as integer cents (`*_cents`)
 * in USD and is formatted with integer math only, so an amount never passes through a float and is never
 * shown a cent off.
 */

/** Integer cents as US dollars: `123456` → `$1,234.56`, `-12345` → `-$123.45`. Throws a RangeError for a fraction. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const rest = abs % 100;
  const dollars = String((abs - rest) / 100).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${dollars}.${String(rest).padStart(2, '0')}`;
}

/**
 * Dollars as people type them into an amount field (`50`, `50.5`, `$1,234.56`) as integer cents, with integer
 * math only; `null` for anything else (more than two decimals, a sign, letters, nothing).
 */
export function parseDollars(text: string): number | null {
  const m = /^\$?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m || m[1] === undefined) return null;
  const cents = Number(m[1].replace(/,/g, '')) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? cents : null;
}

/** Integer cents as a plain amount for an input field: `17649` → `176.49`. */
export function centsToInput(cents: number): string {
  return formatCents(cents).replace(/[$,]/g, '');
}

/** A North American number in E.164 as people write it: `+15125550143` → `(512) 555-0143`; any other as it is. */
export function formatPhone(phone: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phone);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : phone;
}

// Made on first use, so an app that writes no dates does not carry (or build) them.
let dateTime: Intl.DateTimeFormat | undefined;
let time: Intl.DateTimeFormat | undefined;
let dateOnly: Intl.DateTimeFormat | undefined;

/** An instant (RFC 3339) in the browser's time zone: `Nov 30, 2026, 9:41 AM`. */
export function formatDateTime(iso: string): string {
  dateTime ??= new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' });
  return dateTime.format(new Date(iso));
}

/**
 * The time of day of an instant (RFC 3339) in the browser's time zone, in `locale`'s words: `9:41 AM` (`en-US`),
 * `9:41 a.m.` (`es-US`).
 */
export function formatTime(iso: string, locale = 'en-US'): string {
  if (locale !== 'en-US') return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(iso));
  time ??= new Intl.DateTimeFormat('en-US', { timeStyle: 'short' });
  return time.format(new Date(iso));
}

/** A date's day, month (abbreviated, in `locale`'s words, without a trailing period) and year, as written. */
export interface DateParts {
  day: string;
  month: string;
  year: string;
}

/**
 * The parts of a date in `locale`'s words (`es-US`: `12`, `dic`, `2026`). A calendar date (`YYYY-MM-DD`, e.g. a
 * business date, the location's local day) is taken as written, never shifted by the browser's time zone; an
 * instant (RFC 3339) is read in the browser's time zone. The apps' string catalogs put the parts in order.
 */
export function dateParts(value: string, locale = 'en-US'): DateParts {
  const calendarDay = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const format = new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: calendarDay ? 'UTC' : undefined,
  });
  const parts = format.formatToParts(new Date(calendarDay ? `${value}T00:00:00Z` : value));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('day'), month: part('month').replace(/\.$/, ''), year: part('year') };
}

/**
 * A calendar date (`YYYY-MM-DD`, e.g. a business date, which is the location's local day) as written:
 * `Nov 15, 2026`, never shifted by the browser's time zone.
 */
export function formatDate(isoDate: string): string {
  dateOnly ??= new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
  return dateOnly.format(new Date(`${isoDate}T00:00:00Z`));
}

/** How long until an instant, in whole minutes rounded up: `in 9 min`, `in 1 min`, or `now` once it has passed. */
export function minutesFromNow(iso: string, now: number = Date.now()): string {
  const minutes = Math.ceil((new Date(iso).getTime() - now) / 60_000);
  if (minutes <= 0) return 'now';
  return `in ${minutes} min`;
}

/** A lowercase word from the API (a card brand, a status) as a label: `visa` → `Visa`. */
export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * A wall-clock time as the API writes a location's local time (`HH:MM`, 24-hour) in `locale`'s words: `18:04` →
 * `6:04 PM` (`en-US`), `6:04 p.m.` (`es-US`). No time zone is applied: the API already gave the location's time.
 */
export function formatClockTime(hhmm: string, locale = 'en-US'): string {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) return hhmm;
  if (locale !== 'en-US') {
    return new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: 'UTC' }).format(new Date(`1970-01-01T${hhmm}:00Z`));
  }
  const hours = Number(m[1]);
  const suffix = hours < 12 ? 'AM' : 'PM';
  return `${hours % 12 === 0 ? 12 : hours % 12}:${m[2]} ${suffix}`;
}
