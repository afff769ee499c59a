import type { Schemas } from '@kit/api';
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
  const time = w.clockTime(appointment.starts_at.slice(11, 16));
  return (
    <span class="appointment">
      <span class="muted">
        {t.label} {t.when(w.date(appointment.business_day), time, appointment.location_name)}
      </span>
      {appointment.pay_before && <strong class="pay-before">{t.payBefore(w.dayMonth(appointment.business_day))}</strong>}
    </span>
  );
}
