/**
 * How a vehicle's paid-through date reads in both apps. Which vehicle a payment is for first is the API's rule
 * (the client's `next_vehicle_id`, issue 18: Make a Payment preselected Dana's F-150, paid through Dec 12,
 * instead of the Camry that lapsed on Nov 20). Dates are business dates: the location's local day
 * (`YYYY-MM-DD`), compared as text, never through the browser's time zone.
 */
import { browserTimeZone, businessDay, formatDate } from './format';

/** Today in `timeZone` (an IANA zone, the location's) as `YYYY-MM-DD`; the browser's zone when it is unknown. */
export function todayIn(timeZone: string | undefined, now: Date = new Date()): string {
  const iso = now.toISOString();
  try {
    if (timeZone) return businessDay(iso, timeZone);
  } catch {
    // an unknown zone name: RangeError
  }
  return businessDay(iso, browserTimeZone());
}

/** How a vehicle's monitoring stands today: overdue once its paid-through day has passed (or it was never paid). */
export interface PaidStatus {
  overdue: boolean;
  /** `Paid through Dec 12, 2026`, `Overdue: paid through Nov 20, 2026`, or `Overdue: not paid yet`. */
  text: string;
}

export function paidStatus(paidThrough: string | null | undefined, today: string): PaidStatus {
  if (!paidThrough) return { overdue: true, text: 'Overdue: not paid yet' };
  const date = formatDate(paidThrough);
  return paidThrough < today
    ? { overdue: true, text: `Overdue: paid through ${date}` }
    : { overdue: false, text: `Paid through ${date}` };
}
