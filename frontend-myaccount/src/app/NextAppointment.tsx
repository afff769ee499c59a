import type { Schemas } from '@kit/api';
import { formatClockTime, formatDate } from '@kit/format';

type Appointment = Schemas['NextAppointment'];

/** This component's words, in one place (for the message catalog). */
export const strings = {
  label: 'Next service appointment:',
  when: (date: string, time: string, place: string) => `${date} at ${time}, ${place}`,
  payBefore: (day: string) => `Pay before your appointment on ${day} so you don't pay at the service center.`,
};

let monthDay: Intl.DateTimeFormat | undefined;

/** A business date (`YYYY-MM-DD`) as `Dec 12`, never shifted by the browser's time zone. */
function formatMonthDay(isoDate: string): string {
  monthDay ??= new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  return monthDay.format(new Date(`${isoDate}T00:00:00Z`));
}

/**
 * A vehicle's next service appointment (issue 18, sentence 2): its day and time as the location's clocks show
 * them (the API writes `starts_at` with the location's offset, so the wall-clock time is read from it, not
 * converted to the browser's zone) and where; and, when the API says the vehicle's monitoring runs out before
 * it (`pay_before`, the rule `domain::appointment::pay_before_appointment`), that paying now avoids paying at
 * the service center. Nothing when there is no appointment.
 */
export function NextAppointment({ appointment }: { appointment: Appointment | null | undefined }) {
  if (!appointment) return null;
  const time = formatClockTime(appointment.starts_at.slice(11, 16));
  return (
    <span class="appointment">
      <span class="muted">
        {strings.label} {strings.when(formatDate(appointment.business_day), time, appointment.location_name)}
      </span>
      {appointment.pay_before && <strong class="pay-before">{strings.payBefore(formatMonthDay(appointment.business_day))}</strong>}
    </span>
  );
}
