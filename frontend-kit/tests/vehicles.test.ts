import { describe, expect, it } from 'vitest';
import { paidStatus, todayIn, vehicleDueFirst } from '../src/vehicles';

describe('vehicleDueFirst', () => {
  it('preselects the lapsed vehicle, not the first one listed (Dana: Camry lapsed Nov 20, F-150 paid to Dec 12)', () => {
    const f150 = { id: 'f150', paid_through: '2026-12-12' };
    const camry = { id: 'camry', paid_through: '2026-11-20' };
    expect(vehicleDueFirst([f150, camry])?.id).toBe('camry');
    expect(vehicleDueFirst([camry, f150])?.id).toBe('camry');
  });

  it('puts a vehicle never paid for first, then the soonest due, keeping the API order on ties', () => {
    expect(vehicleDueFirst([{ id: 'a', paid_through: '2026-12-01' }, { id: 'b', paid_through: null }])?.id).toBe('b');
    expect(vehicleDueFirst([{ id: 'a', paid_through: '2026-12-03' }, { id: 'b', paid_through: '2026-12-01' }])?.id).toBe('b');
    expect(vehicleDueFirst([{ id: 'a', paid_through: '2026-12-01' }, { id: 'b', paid_through: '2026-12-01' }])?.id).toBe('a');
    expect(vehicleDueFirst([])).toBeUndefined();
  });

  it('picks the earliest date whatever the order (every permutation)', () => {
    const dates = ['2026-12-12', '2026-11-20', '2027-01-02', '2026-11-29'];
    const permutations = (xs: string[]): string[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const order of permutations(dates)) {
      expect(vehicleDueFirst(order.map((d) => ({ id: d, paid_through: d })))?.id).toBe('2026-11-20');
    }
  });
});

describe('paidStatus', () => {
  it('says paid through, or overdue once the day has passed', () => {
    expect(paidStatus('2026-12-12', '2026-11-30')).toEqual({ overdue: false, text: 'Paid through Dec 12, 2026' });
    expect(paidStatus('2026-11-30', '2026-11-30')).toEqual({ overdue: false, text: 'Paid through Nov 30, 2026' });
    expect(paidStatus('2026-11-20', '2026-11-30')).toEqual({ overdue: true, text: 'Overdue: paid through Nov 20, 2026' });
    expect(paidStatus(null, '2026-11-30')).toEqual({ overdue: true, text: 'Overdue: not paid yet' });
  });
});

describe('todayIn', () => {
  it("is the location's day, not the browser's", () => {
    const lateEvening = new Date('2026-12-01T03:30:00Z'); // Nov 30, 9:30 PM in Chicago
    expect(todayIn('America/Chicago', lateEvening)).toBe('2026-11-30');
    expect(todayIn('Asia/Tokyo', lateEvening)).toBe('2026-12-01');
    expect(todayIn('Not/AZone', lateEvening)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
