import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { call } from '@kit/api';
import { formatDate } from '@kit/format';
import { appointmentClock, wallClock, zoneAbbreviation, zonedStartsAt } from '@kit/appointment';
import { api, type Client, type Schemas } from '../api/client';
import { useAction } from '../hooks';
import { ErrorMessage } from './ErrorMessage';

type Vehicle = Schemas['Vehicle'];
type NextAppointment = Schemas['NextAppointment'];

/** An appointment in words, on the location's clock: `Dec 12, 2026, 10:00 AM CST at Austin Central Service Center`. */
export function appointmentWords(appointment: NextAppointment, timeZone: string): string {
  const { date, time } = appointmentClock(appointment.starts_at);
  const zone = zoneAbbreviation(appointment.starts_at, timeZone);
  return `${formatDate(date)}, ${time}${zone ? ` ${zone}` : ''} at ${appointment.location_name}`;
}

/**
 * Each vehicle's next service appointment (issue 18): staff see it, and book, change or clear it
 * (`set_next_appointment`, `clear_next_appointment`). Dates and times are the location's (its time zone), whatever
 * the browser's. Focus (WCAG 2.4.3): opening the form goes to its date; Cancel goes back to the button that opened
 * it; a saved or cleared appointment focuses the sentence saying so; an error is announced and focus stays put.
 */
export function NextAppointments({ client, onChange }: { client: Client; onChange: () => void }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);
  const action = useAction();
  const zone = client.location.time_zone;

  useLayoutEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  const clear = (vehicle: Vehicle) =>
    void action.run(async () => {
      setDone(null);
      await call(
        api.DELETE('/clients/{client_id}/vehicles/{vehicle_id}/next-appointment', {
          params: { path: { client_id: client.id, vehicle_id: vehicle.id } },
        }),
      );
      setDone(`The next appointment of the ${vehicle.description} was cleared.`);
      onChange();
    });

  if (client.vehicles.length === 0) return null;
  return (
    <section class="card appointments" aria-labelledby="appointments-title">
      <h2 id="appointments-title">Service appointments</h2>
      <p class="muted small-text">Dates and times are {client.location.name}'s ({zone}).</p>
      <ErrorMessage error={editing ? null : action.error} />
      <div aria-live="polite">
        {done && (
          <p class="success focus-target" role="status" tabIndex={-1} ref={doneRef}>
            {done}
          </p>
        )}
      </div>
      <ul class="appointment-list">
        {client.vehicles.map((vehicle) => (
          <li key={vehicle.id} data-vehicle-id={vehicle.id}>
            <p>
              <strong>{vehicle.description}</strong>:{' '}
              <span data-testid="next-appointment">
                {vehicle.next_appointment ? appointmentWords(vehicle.next_appointment, zone) : 'No appointment booked'}
              </span>
              {vehicle.next_appointment?.pay_before && (
                // The space outside the badge: inside it, the badge touched the text before it.
                <>
                  {' '}
                  <span class="badge bad">Monitoring runs out before it</span>
                </>
              )}
            </p>
            {editing === vehicle.id ? (
              <AppointmentForm client={client} vehicle={vehicle}
                onCancel={() => {
                  setEditing(null);
                  // Back to the control that opened the form, never the page body.
                  requestAnimationFrame(() => document.getElementById(`appointment-edit-${vehicle.id}`)?.focus());
                }}
                onSaved={(saved) => {
                  setEditing(null);
                  setDone(
                    saved.next_appointment
                      ? `Next appointment of the ${saved.description}: ${appointmentWords(saved.next_appointment, zone)}.`
                      : `The next appointment of the ${saved.description} was cleared.`,
                  );
                  onChange();
                }} />
            ) : (
              <div class="actions">
                <button type="button" class="secondary small" id={`appointment-edit-${vehicle.id}`}
                  aria-label={`${vehicle.next_appointment ? 'Change' : 'Book'} the next appointment of the ${vehicle.description}`}
                  onClick={() => { setDone(null); action.setError(null); setEditing(vehicle.id); }}>
                  {vehicle.next_appointment ? 'Change' : 'Book appointment'}
                </button>
                {vehicle.next_appointment && (
                  <button type="button" class="secondary small" aria-disabled={action.busy}
                    aria-label={`Clear the next appointment of the ${vehicle.description}`}
                    onClick={() => clear(vehicle)}>
                    Clear
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AppointmentForm({ client, vehicle, onCancel, onSaved }: {
  client: Client;
  vehicle: Vehicle;
  onCancel: () => void;
  onSaved: (vehicle: Vehicle) => void;
}) {
  const current = vehicle.next_appointment ? wallClock(vehicle.next_appointment.starts_at) : null;
  const [date, setDate] = useState(current?.date ?? '');
  const [time, setTime] = useState(current?.time ?? '');
  const [place, setPlace] = useState(vehicle.next_appointment?.location_name ?? `${client.location.name} Service Center`);
  const save = useAction();
  const id = (field: string) => `appointment-${field}-${vehicle.id}`;
  // The form opens on its first field.
  const dateRef = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => dateRef.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    void save.run(async () => {
      const saved = await call(
        api.PUT('/clients/{client_id}/vehicles/{vehicle_id}/next-appointment', {
          params: { path: { client_id: client.id, vehicle_id: vehicle.id } },
          body: { starts_at: zonedStartsAt(date, time, client.location.time_zone), location_name: place.trim() },
        }),
      );
      onSaved(saved);
    });
  };

  return (
    <form class="panel appointment-form" onSubmit={submit} aria-label={`Next appointment of the ${vehicle.description}`}>
      <div class="field">
        <label for={id('date')}>Date</label>
        <input id={id('date')} type="date" required value={date} ref={dateRef}
          onInput={(e) => setDate(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={id('time')}>Time ({zoneAbbreviation(new Date().toISOString(), client.location.time_zone) || client.location.time_zone})</label>
        <input id={id('time')} type="time" required value={time} onInput={(e) => setTime(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for={id('place')}>Service location</label>
        <input id={id('place')} type="text" required maxLength={100} value={place} onInput={(e) => setPlace(e.currentTarget.value)} />
      </div>
      <ErrorMessage error={save.error} />
      <div class="actions">
        {/* Not disabled while saving: a focused button that turns disabled drops focus to the page body. */}
        <button type="submit" class="primary small" aria-busy={save.busy}>
          {save.busy ? 'Saving…' : 'Save appointment'}
        </button>{' '}
        <button type="button" class="secondary small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
