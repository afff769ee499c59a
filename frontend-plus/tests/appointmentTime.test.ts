import { describe, expect, it } from 'vitest';
import { wallClock, zoneAbbreviation, zonedStartsAt } from '../src/appointmentTime';

describe('appointment times in the location time zone', () => {
  it('books the typed wall-clock time with the zone offset of that day, whatever the browser zone', () => {
    expect(zonedStartsAt('2026-12-12', '10:00', 'America/Chicago')).toBe('2026-12-12T10:00:00-06:00');
    expect(zonedStartsAt('2026-07-01', '09:30', 'America/Chicago')).toBe('2026-07-01T09:30:00-05:00');
    expect(zonedStartsAt('2026-12-12', '10:00', 'America/Denver')).toBe('2026-12-12T10:00:00-07:00');
    expect(zonedStartsAt('2026-12-12', '23:45', 'UTC')).toBe('2026-12-12T23:45:00+00:00');
  });

  it('reads the date and time the API gave, in the location offset', () => {
    expect(wallClock('2026-12-12T10:00:00-06:00')).toEqual({ date: '2026-12-12', time: '10:00' });
    expect(zoneAbbreviation('2026-12-12T10:00:00-06:00', 'America/Chicago')).toBe('CST');
    expect(zoneAbbreviation('2026-12-12T10:00:00-06:00', 'Not/AZone')).toBe('');
  });
});
