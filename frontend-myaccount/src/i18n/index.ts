/**
 * The language My Account and the secure payment page are shown in, and the words and formats of it.
 *
 * The page starts in English (the HTML's first render), then follows the client's language: the signed-in
 * client's (`/me`) or, on the pay page, the link's (`LinkSummary.language`). The switch on the page
 * (`LanguageSwitch`) changes every word at once, without a reload, and is remembered for the tab: from then on it
 * wins over the client's language. It never changes the client's stored language (staff's setting).
 */
import { useEffect, useState } from 'preact/hooks';
import { businessDay, capitalize, dateParts, formatCents, formatClockTime, formatTime } from '@kit/format';
import { problemMessage, type Language } from '@kit/problems';
import { tabStorage } from '@kit/storage';
import { paidStatus } from '@kit/vehicles';
import { en, type Catalog, type InvoiceStatus } from './en';
import { es } from './es';

export type { Catalog, Language };

/** Every catalog, by the API's language code. */
export const CATALOGS: Record<Language, Catalog> = { en, es };

/** The `Intl` locale of each language: US English and US Spanish (money is written `$1,234.56` in both). */
export const LOCALES: Record<Language, string> = { en: 'en-US', es: 'es-US' };

/** How each language puts a date's parts in order: `Dec 12, 2026`, `12 de dic. de 2026`. */
const DATE_ORDER: Record<Language, (day: string, month: string, year: string) => string> = {
  en: (day, month, year) => `${month} ${day}, ${year}`,
  es: (day, month, year) => `${day} de ${month}. de ${year}`,
};

/** Where the tab keeps the language chosen with the switch. */
const DAY_MONTH_ORDER: Record<Language, (day: string, month: string) => string> = {
  en: (day, month) => `${month} ${day}`,
  es: (day, month) => `${day} de ${month}.`,
};

const CHOSEN_KEY = 'myaccount.language';
/**
 * Where the tab keeps the client's language last heard from the API: a reload, or a page that does not ask for the
 * client (the receipts), starts in it rather than in English.
 */
const CLIENT_KEY = 'myaccount.clientLanguage';

const isLanguage = (value: string | null): value is Language => value === 'en' || value === 'es';

/** The language chosen with the switch in this tab, if one was. */
function chosen(): Language | null {
  const value = tabStorage.getItem(CHOSEN_KEY);
  return isLanguage(value) ? value : null;
}

/** The client's language as this tab last heard it, if it did. */
function clientLanguage(): Language | null {
  const value = tabStorage.getItem(CLIENT_KEY);
  return isLanguage(value) ? value : null;
}

let current: Language = chosen() ?? clientLanguage() ?? 'en';
if (typeof document !== 'undefined') document.documentElement.lang = current;
const listeners = new Set<(language: Language) => void>();

function show(language: Language) {
  if (typeof document !== 'undefined') document.documentElement.lang = language;
  if (language === current) return;
  current = language;
  for (const listener of listeners) listener(language);
}

/** The language the page is shown in now. */
export function currentLanguage(): Language {
  return current;
}

/**
 * The client's language, from the API (`/me`, or the link's): the page shows it, unless this tab chose one with
 * the switch. A language this build has no words for (a newer API) leaves the page as it is.
 */
export function followLanguage(language: string | undefined) {
  if (language === undefined || !isLanguage(language)) return;
  tabStorage.setItem(CLIENT_KEY, language);
  show(chosen() ?? language);
}

/** The switch: shows `language` at once and keeps it for the tab. */
export function chooseLanguage(language: Language) {
  tabStorage.setItem(CHOSEN_KEY, language);
  show(language);
}

/** Everything a component writes in one language: its words (`t`) and its formats. */
export interface Words {
  language: Language;
  locale: string;
  t: Catalog;
  /** Integer cents as US dollars, the kit's one formatter (`$1,234.56` in English and in US Spanish alike). */
  money: (cents: number) => string;
  /** A business date (`YYYY-MM-DD`) as written, never shifted by any time zone (the kit refuses an instant). */
  date: (value: string) => string;
  /** A calendar date (`YYYY-MM-DD`) without its year, as a text says it: `Dec 12`, `12 de dic.`. */
  dayMonth: (value: string) => string;
  /**
   * An instant (RFC 3339) on the clocks of `timeZone` (IANA: the client's location, `location.time_zone`), never
   * the browser's: `Nov 30, 2026, 9:41 AM`, `30 de nov. de 2026, 9:41 a.m.`.
   */
  dateTime: (iso: string, timeZone: string) => string;
  /** A location's wall-clock time (`HH:MM`): `6:04 PM`, `6:04 p.m.`. */
  clockTime: (hhmm: string) => string;
  /**
   * An invoice's status (`Invoice.status`: `paid`, `open`, `void`) in words: `Paid`, `Pagada`. A status this build
   * has no words for (a newer API) is shown as the API's word, capitalized, rather than not at all.
   */
  invoiceStatus: (status: string) => string;
  /** A problem (code, caught error or problem document) in words: the kit's table of this language. */
  problem: (error: unknown) => string;
  /** A quote or invoice line's label: the API's English description, or the same line's words in Spanish. */
  line: (line: { kind: string; description: string }) => string;
}

/** Whether the catalogs have words for `status` (an own key: never `constructor` or another inherited name). */
function isInvoiceStatus(status: string, t: Catalog): status is InvoiceStatus {
  return Object.prototype.hasOwnProperty.call(t.account.invoiceStatuses, status);
}

/** The words and formats of `language`. */
export function wordsFor(language: Language): Words {
  const t = CATALOGS[language];
  const locale = LOCALES[language];
  const date = (value: string) => {
    const { day, month, year } = dateParts(value, locale);
    return DATE_ORDER[language](day, month, year);
  };
  return {
    language,
    locale,
    t,
    money: formatCents,
    date,
    dayMonth: (value) => {
      const { day, month } = dateParts(value, locale);
      return DAY_MONTH_ORDER[language](day, month);
    },
    dateTime: (iso, timeZone) => `${date(businessDay(iso, timeZone))}, ${formatTime(iso, timeZone, locale)}`,
    clockTime: (hhmm) => formatClockTime(hhmm, locale),
    invoiceStatus: (status) => (isInvoiceStatus(status, t) ? t.account.invoiceStatuses[status] : capitalize(status)),
    problem: (error) => problemMessage(error, language),
    line: (line) => lineLabel(line, t, language),
  };
}

/**
 * A line's label. English keeps the API's description word for word; another language writes the line from its
 * `kind`, with the days (`Monitoring, 14 days`) and the rate (`Tax (8.25%)`) read from the description. A line
 * whose description does not read as expected keeps the API's words rather than show a wrong number.
 */
export function lineLabel(line: { kind: string; description: string }, t: Catalog, language: Language): string {
  if (language === 'en') return line.description;
  switch (line.kind) {
    case 'monitoring': {
      const days = /(\d+) days?/.exec(line.description)?.[1];
      return days ? t.lines.monitoring(Number(days)) : line.description;
    }
    case 'tax': {
      const percent = /\(([\d.]+%)\)/.exec(line.description)?.[1];
      return percent ? t.lines.tax(percent) : line.description;
    }
    case 'past_due':
      return t.lines.pastDue;
    case 'credit':
      return t.lines.credit;
    default:
      return line.description;
  }
}

/** The words of the language shown now; the component renders again, in place, when the language changes. */
export function useWords(): Words {
  const [language, setLanguage] = useState(current);
  useEffect(() => {
    listeners.add(setLanguage);
    if (current !== language) setLanguage(current); // changed between the render and this effect
    return () => void listeners.delete(setLanguage);
  }, []);
  return wordsFor(language);
}

/**
 * How a vehicle's monitoring stands today, in `w`'s words: the kit's rule (`paidStatus`: overdue once the
 * paid-through day, a business date, has passed) with the date written for the language.
 */
export function vehicleStatus(paidThrough: string | null | undefined, today: string, w: Words): { overdue: boolean; text: string } {
  const { overdue } = paidStatus(paidThrough, today);
  if (!paidThrough) return { overdue, text: w.t.vehicles.notPaid };
  const date = w.date(paidThrough);
  return { overdue, text: overdue ? w.t.vehicles.overdue(date) : w.t.vehicles.paidThrough(date) };
}
