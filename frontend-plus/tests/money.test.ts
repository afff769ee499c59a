import { describe, expect, it } from 'vitest';
import { formatCents } from '../src/money';

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

  it('refuses amounts that are not whole cents', () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });
});
