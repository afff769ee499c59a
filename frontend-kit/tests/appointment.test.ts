import { describe, expect, it } from 'vitest';
import { appointmentClock, wallClock, zoneAbbreviation, zonedStartsAt } from '../src/appointment';

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

describe('an appointment read in a browser far from the location', () => {
  it('runs in Tokyo (the test command sets TZ), nine hours ahead of UTC, so a browser-zone reading would show', () => {
    expect(new Date('2026-12-12T12:00:00Z').getTimezoneOffset()).toBe(-540);
  });

  it('shows the location’s day and time, never Tokyo’s (where 9:30 PM in Austin is 12:30 PM the next day)', () => {
    const startsAt = '2026-12-12T21:30:00-06:00';
    expect(appointmentClock(startsAt)).toEqual({ date: '2026-12-12', time: '9:30 PM' });
    expect(appointmentClock(startsAt, 'es-US').time).toMatch(/^9:30\sp\.\s?m\.$/);
    expect(new Date(startsAt).getDate()).toBe(13); // what reading it through the browser's zone would have said
    expect(appointmentClock('2026-07-01T00:15:00-05:00')).toEqual({ date: '2026-07-01', time: '12:15 AM' });
  });

  it('refuses a time without its offset, whose clock it could not name', () => {
    expect(() => wallClock('2026-12-12T21:30:00')).toThrow(RangeError);
    expect(() => wallClock('2026-12-12')).toThrow(RangeError);
  });
});
