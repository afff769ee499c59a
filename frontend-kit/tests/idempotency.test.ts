import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttemptKeys, newIdempotencyKey, sendMoneyMovingPost } from '../src/idempotency';
import { ApiError } from '../src/problems';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

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

describe('newIdempotencyKey', () => {
  it('makes a UUID v4 also where crypto.randomUUID is missing (no secure context)', () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => real.getRandomValues(b) });
    expect(newIdempotencyKey()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('sendMoneyMovingPost', () => {
  const noAnswer = () => new ApiError(0, 'network_error', 'offline');

  it('retries a request that got no answer with the same key, then starts a new attempt after its success', async () => {
    vi.useFakeTimers();
    const keys = new AttemptKeys();
    const sent: string[] = [];
    const send = async (key: string) => {
      sent.push(key);
      if (sent.length < 3) throw noAnswer();
      return 'paid';
    };
    const answer = sendMoneyMovingPost(keys, { amount_cents: 100 }, send);
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    expect(await answer).toBe('paid');
    expect(new Set(sent).size).toBe(1);
    expect(sent).toHaveLength(3);
    expect(keys.keyFor({ amount_cents: 100 })).not.toBe(sent[0]);
  });

  it('never repeats an answered request by itself; while its outcome is unknown, trying again reuses its key', async () => {
    const keys = new AttemptKeys();
    const sent: string[] = [];
    const answer = (status: number, code: string) => async (key: string): Promise<never> => {
      sent.push(key);
      throw new ApiError(status, code, code);
    };
    const body = { amount_cents: 100 };
    await expect(sendMoneyMovingPost(keys, body, answer(409, 'request_in_progress'))).rejects.toMatchObject({ code: 'request_in_progress' });
    expect(sent).toHaveLength(1);
    await expect(sendMoneyMovingPost(keys, body, answer(503, 'service_unavailable'))).rejects.toThrow();
    await expect(sendMoneyMovingPost(keys, body, answer(402, 'processing_error'))).rejects.toThrow();
    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(1);
  });

  it('takes a refusal as the end of the attempt: trying again is a new attempt with a new key', async () => {
    const keys = new AttemptKeys();
    const sent: string[] = [];
    const decline = async (key: string): Promise<never> => {
      sent.push(key);
      throw new ApiError(402, 'processing_error', 'try again');
    };
    await expect(sendMoneyMovingPost(keys, { card_id: 'c-1' }, decline)).rejects.toMatchObject({ code: 'processing_error' });
    await expect(sendMoneyMovingPost(keys, { card_id: 'c-1' }, decline)).rejects.toThrow();
    expect(sent).toHaveLength(2);
    expect(sent[1]).not.toBe(sent[0]);
  });

  it('gives up after three requests without an answer', async () => {
    vi.useFakeTimers();
    let tries = 0;
    const answer = sendMoneyMovingPost(new AttemptKeys(), {}, async () => {
      tries++;
      throw noAnswer();
    });
    const settled = expect(answer).rejects.toMatchObject({ code: 'network_error' });
    await vi.advanceTimersByTimeAsync(1000 + 2000);
    await settled;
    expect(tries).toBe(3);
  });
});
