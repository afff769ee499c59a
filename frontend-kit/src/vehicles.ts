/**
 * Which vehicle a payment is for first, and how its paid-through date reads. One rule for both apps (issue 18:
 * Make a Payment preselected Dana's F-150, paid through Dec 12, instead of the Camry that lapsed on Nov 20).
 * Dates are business dates: the location's local day (`YYYY-MM-DD`), compared as text, never through the
 * browser's time zone.
 */
import { formatDate } from './format';

/** What the rule needs of a vehicle: the API's `paid_through` (the last day paid for; null when never paid). */
export interface Dated {
  id: string;
  paid_through?: string | null;
}

/** Today in `timeZone` (an IANA zone, the location's) as `YYYY-MM-DD`; the browser's zone when it is unknown. */
export function todayIn(timeZone: string | undefined, now: Date = new Date()): string {
  const format = (zone: string | undefined) =>
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  try {
    return format(timeZone);
  } catch {
    return format(undefined); // an unknown zone name: RangeError
  }
}

/**
 * The vehicle to preselect: the one whose monitoring runs out first. A vehicle never paid for comes first, then
 * the lapsed ones (earliest first), then the soonest due; ties keep the API's order. `undefined` for none.
 */
export function vehicleDueFirst<T extends Dated>(vehicles: readonly T[]): T | undefined {
  let first: T | undefined;
  for (const vehicle of vehicles) {
    if (first === undefined || dueBefore(vehicle, first)) first = vehicle;
  }
  return first;
}

function dueBefore(a: Dated, b: Dated): boolean {
  const pa = a.paid_through ?? null;
  const pb = b.paid_through ?? null;
  if (pa === null) return pb !== null;
  if (pb === null) return false;
  return pa < pb;
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
