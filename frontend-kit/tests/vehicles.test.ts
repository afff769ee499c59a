import { describe, expect, it } from 'vitest';
import { paidStatus, todayIn } from '../src/vehicles';

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
