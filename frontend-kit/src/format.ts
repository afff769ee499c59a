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

/*
 * Dates and times come in two kinds, each with its own formatters, so that neither can be written the other's way:
 * - a business date (`YYYY-MM-DD`: an invoice's due date, a paid-through date, a receipt's local day) is the
 *   location's calendar day and is written as it is, never shifted by any time zone (`formatDate`,
 *   `dateParts`); anything else given to them throws a RangeError;
 * - an instant (RFC 3339: `created_at`, `sent_at`) is written on the clocks of a time zone the caller names (the
 *   client's location, `client.location.time_zone`), never silently in the browser's (`formatDateTime`,
 *   `formatTime`, `businessDay`). A screen about no location (API keys, webhooks) names the staff member's own
 *   zone with `browserTimeZone`.
 */

const BUSINESS_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `date` itself when it is a business date (`YYYY-MM-DD`); a RangeError otherwise (an instant, a typo). */
function businessDate(date: string): string {
  if (!BUSINESS_DATE.test(date)) throw new RangeError(`not a business date (YYYY-MM-DD): ${date}`);
  return date;
}

// Made on first use and kept by locale, zone and style, so an app that writes no dates does not build them.
const formats = new Map<string, Intl.DateTimeFormat>();
function cached(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    formats.set(key, format);
  }
  return format;
}

/** The browser's own time zone (IANA), for the screens that are about no location. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** An instant (RFC 3339) on the clocks of `timeZone` (IANA): `Nov 30, 2026, 9:41 AM`. */
export function formatDateTime(iso: string, timeZone: string, locale = 'en-US'): string {
  return cached(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

/**
 * The time of day of an instant (RFC 3339) on the clocks of `timeZone` (IANA), in `locale`'s words: `9:41 AM`
 * (`en-US`), `9:41 a.m.` (`es-US`).
 */
export function formatTime(iso: string, timeZone: string, locale = 'en-US'): string {
  return cached(locale, { timeStyle: 'short', timeZone }).format(new Date(iso));
}

/**
 * The business date an instant (RFC 3339) falls on in `timeZone` (IANA, the location's): `YYYY-MM-DD`, for the
 * business-date formatters. `2026-12-01T03:00:00Z` is `2026-11-30` in America/Chicago.
 */
export function businessDay(iso: string, timeZone: string): string {
  return cached('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** A date's day, month (abbreviated, in `locale`'s words, without a trailing period) and year, as written. */
export interface DateParts {
  day: string;
  month: string;
  year: string;
}

/**
 * The parts of a business date (`YYYY-MM-DD`) in `locale`'s words (`es-US`: `12`, `dic`, `2026`), as written. The
 * apps' string catalogs put the parts in order. An instant is first made the day of a zone (`businessDay`).
 */
export function dateParts(date: string, locale = 'en-US'): DateParts {
  const format = cached(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const parts = format.formatToParts(new Date(`${businessDate(date)}T00:00:00Z`));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: part('day'), month: part('month').replace(/\.$/, ''), year: part('year') };
}

/** A business date (`YYYY-MM-DD`) as written: `Nov 15, 2026`, never shifted by any time zone. */
export function formatDate(date: string): string {
  return cached('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${businessDate(date)}T00:00:00Z`));
}

/** A business date (`YYYY-MM-DD`) with a numeric month in `locale`'s order: `12/1/2026` (`en-US`), `1/12/2026` (`es-US`). */
export function formatNumericDate(date: string, locale = 'en-US'): string {
  return cached(locale, { month: 'numeric', day: 'numeric', year: 'numeric', timeZone: 'UTC' })
    .format(new Date(`${businessDate(date)}T00:00:00Z`));
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
