import type { Schemas } from '@kit/api';
import { appointmentClock } from '@kit/appointment';
import { useWords } from '../i18n';

type Appointment = Schemas['NextAppointment'];

/**
 * A vehicle's next service appointment (issue 18, sentence 2): its day and time as the location's clocks show
 * them (the API writes `starts_at` with the location's offset, so the wall-clock time is read from it, not
 * converted to the browser's zone) and where; and, when the API says the vehicle's monitoring runs out before
 * it (`pay_before`, the rule `domain::appointment::pay_before_appointment`), that paying now avoids paying at
 * the service center. Nothing when there is no appointment.
 */
export function NextAppointment({ appointment }: { appointment: Appointment | null | undefined }) {
  const w = useWords();
  const t = w.t.appointment;
  if (!appointment) return null;
  const { date, time } = appointmentClock(appointment.starts_at, w.locale);
  return (
    <span class="appointment">
      <span class="muted">
        {t.label} {t.when(w.date(date), time, appointment.location_name)}
      </span>
      {appointment.pay_before && <strong class="pay-before">{t.payBefore(w.dayMonth(date))}</strong>}
    </span>
  );
}
