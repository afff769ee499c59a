import { describe, expect, it } from 'vitest';
import {
  centsToInput,
  dateParts,
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

describe('formatDate', () => {
  it('writes a calendar date as it is, whatever the time zone', () => {
    expect(formatDate('2026-11-15')).toBe('Nov 15, 2026');
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
