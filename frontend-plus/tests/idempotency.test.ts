import { describe, expect, it } from 'vitest';
import { AttemptKeys } from '../src/idempotency';

describe('AttemptKeys', () => {
  it('reuses the key when the same attempt is retried', () => {
    const keys = new AttemptKeys();
    const body = { phone: '5125550143', monitor_days: 14 };
    expect(keys.keyFor({ ...body })).toBe(keys.keyFor({ ...body }));
  });

  it('starts a new attempt when the details change or the last one succeeded', () => {
    const keys = new AttemptKeys();
    const first = keys.keyFor({ monitor_days: 14 });
    const changed = keys.keyFor({ monitor_days: 30 });
    expect(changed).not.toBe(first);
    keys.done();
    expect(keys.keyFor({ monitor_days: 30 })).not.toBe(changed);
  });
});
