import type { Client } from '../api/client';
import { paidStatus, todayIn } from '@kit/vehicles';

export type MonitorDays = 14 | 30;

/** Vehicle and monitor-days pickers shared by the link, invoice and payment forms. */
export function VehicleDaysFields(props: {
  idPrefix: string;
  client: Client;
  vehicleId: string;
  days: MonitorDays;
  onVehicle: (id: string) => void;
  onDays: (days: MonitorDays) => void;
}) {
  const { idPrefix, client } = props;
  const today = todayIn(client.location.time_zone);
  return (
    <div class="fields">
      <div class="field">
        <label for={`${idPrefix}-vehicle`}>Vehicle</label>
        <select id={`${idPrefix}-vehicle`} value={props.vehicleId} onChange={(e) => props.onVehicle(e.currentTarget.value)}>
          {client.vehicles.map((v) => (
            <option key={v.id} value={v.id}>
              {v.description}{v.plate ? ` · ${v.plate}` : ''} · {v.device_serial} · {paidStatus(v.paid_through, today).text}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="field days">
        <legend>Monitor days</legend>
        {([14, 30] as const).map((d) => (
          <label key={d} class="radio">
            <input type="radio" name={`${idPrefix}-days`} value={d} checked={props.days === d}
              onChange={() => props.onDays(d)} />
            {d} days
          </label>
        ))}
      </fieldset>
    </div>
  );
}

export function defaultDays(client: Client): MonitorDays {
  return client.plan_days === 14 ? 14 : 30;
}
