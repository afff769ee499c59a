import { describe, expect, it } from 'vitest';
import {
  browserTimeZone,
  businessDay,
  centsToInput,
  dateParts,
  formatDateTime,
  formatNumericDate,
  formatTime,
  formatCents,
  formatClockTime,
  formatDate,
  formatPhone,
  minutesFromNow,
  parseDollars,
} from '../src/format';

describe('formatCents', () => {
  it.each([
    [0, '$0.00'],
    [5, '$0.05'],
    [99, '$0.99'],
    [100, '$1.00'],
    [17649, '$176.49'],
    [123456, '$1,234.56'],
    [100000000, '$1,000,000.00'],
    [-12345, '-$123.45'],
    [Number.MAX_SAFE_INTEGER, '$90,071,992,547,409.91'],
  ])('formats %i cents as %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it('refuses fractions of a cent', () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });
});

describe('formatPhone', () => {
  it('writes a North American number as people do, and any other as it is', () => {
    expect(formatPhone('+15125550143')).toBe('(512) 555-0143');
    expect(formatPhone('+447700900123')).toBe('+447700900123');
  });
});

describe('business dates and instants, read in Tokyo (the test command sets TZ)', () => {
  it('runs nine hours ahead of UTC, where a date read through the browser’s zone would shift', () => {
    expect(new Date('2026-12-01T03:00:00Z').getTimezoneOffset()).toBe(-540);
  });

  it('writes a business date as it is, whatever the time zone', () => {
    expect(formatDate('2026-11-15')).toBe('Nov 15, 2026');
    expect(formatDate('2026-12-31')).toBe('Dec 31, 2026');
    expect(formatNumericDate('2026-12-01')).toBe('12/1/2026');
    expect(formatNumericDate('2026-12-01', 'es-US')).toBe('1/12/2026');
    expect(dateParts('2026-12-12', 'es-US')).toEqual({ day: '12', month: 'dic', year: '2026' });
  });

  it('refuses an instant where a business date belongs: its day depends on a zone it does not name', () => {
    for (const format of [formatDate, formatNumericDate, (d: string) => dateParts(d)]) {
      expect(() => format('2026-12-01T03:00:00Z')).toThrow(RangeError);
      expect(() => format('Dec 1, 2026')).toThrow(RangeError);
    }
  });

  it('writes an instant on the clocks of the zone it is given, never Tokyo’s', () => {
    // 9:00 PM on Nov 30 in Austin is 12:00 PM on Dec 1 in Tokyo.
    const instant = '2026-12-01T03:00:00Z';
    expect(formatDateTime(instant, 'America/Chicago')).toBe('Nov 30, 2026, 9:00 PM');
    expect(formatTime(instant, 'America/Chicago')).toBe('9:00 PM');
    expect(formatTime(instant, 'America/Chicago', 'es-US')).toMatch(/^9:00\sp\.\s?m\.$/);
    expect(businessDay(instant, 'America/Chicago')).toBe('2026-11-30');
    expect(businessDay(instant, 'Asia/Tokyo')).toBe('2026-12-01');
    expect(formatDateTime(instant, 'UTC')).toBe('Dec 1, 2026, 3:00 AM');
    expect(browserTimeZone()).toBe('Asia/Tokyo');
  });
});

describe('minutesFromNow', () => {
  it('rounds up to whole minutes and says now once the time has passed', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(minutesFromNow('2026-11-30T12:08:30Z', now)).toBe('in 9 min');
    expect(minutesFromNow('2026-11-30T12:00:01Z', now)).toBe('in 1 min');
    expect(minutesFromNow('2026-11-30T11:59:00Z', now)).toBe('now');
  });
});

describe('parseDollars', () => {
  it.each([
    ['50', 5000],
    ['50.5', 5050],
    ['50.05', 5005],
    ['$1,234.56', 123456],
    [' 0.01 ', 1],
    ['176.49', 17649],
  ])('reads %s as %d cents', (text, cents) => {
    expect(parseDollars(text)).toBe(cents);
  });

  it.each(['', 'abc', '1.234', '-5', '1,23', '$', '5.'])('refuses %j', (text) => {
    expect(parseDollars(text)).toBeNull();
  });

  it('reads back what centsToInput writes', () => {
    for (const cents of [0, 1, 99, 17649, 123456]) expect(parseDollars(centsToInput(cents))).toBe(cents);
  });
});

describe('formatClockTime', () => {
  it('writes a location time in US words', () => {
    expect(formatClockTime('18:04')).toBe('6:04 PM');
    expect(formatClockTime('00:30')).toBe('12:30 AM');
    expect(formatClockTime('12:00')).toBe('12:00 PM');
    expect(formatClockTime('9:00')).toBe('9:00');
  });

  it('writes it in the words of another locale through Intl, still without a time zone', () => {
    expect(formatClockTime('18:04', 'es-US').replace(/[\s\u00a0\u202f]/g, '')).toBe('6:04p.m.');
    expect(formatClockTime('9:00', 'es-US')).toBe('9:00');
  });
});

describe('dateParts', () => {
  it('gives a calendar date as written, in the words of the locale', () => {
    expect(dateParts('2026-12-12', 'es-US')).toEqual({ day: '12', month: 'dic', year: '2026' });
    expect(dateParts('2026-12-01')).toEqual({ day: '1', month: 'Dec', year: '2026' });
  });
});
