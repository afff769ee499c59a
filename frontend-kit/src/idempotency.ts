/**
 * The one policy for money-moving POSTs (take and make a payment, redeem a link, send, resend and revoke a link,
 * add an invoice), which the API takes only with an `Idempotency-Key` (README, Payments: exactly once):
 * - one key per intended attempt, bound to the request body. While the attempt's outcome is unknown (no answer,
 *   `409 request_in_progress`, a 5xx), sending the same details again reuses the key, so the API answers the
 *   first result instead of acting twice. A definite answer (a success, or a 4xx refusal such as a decline, which
 *   charged nothing) ends the attempt: trying again, or with changed details, is a new attempt with a new key;
 * - a request that got no answer at all is retried automatically, with the same key, at most twice more, 1 s and
 *   then 2 s later; an answer (even a refusal) is never retried automatically.
 */
import { ApiError, NETWORK_ERROR } from './problems';

/** A fresh random key (UUID v4). `crypto.randomUUID` needs a secure context, so this falls back to `getRandomValues`. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The keys of one form's attempts: one per intended attempt, reused while the same body is sent again. */
export class AttemptKeys {
  private current: { key: string; body: string } | null = null;

  /** The key of the attempt that sends `body`: the last one's while its body is the same, else a new one. */
  keyFor(body: unknown): string {
    const json = JSON.stringify(body);
    if (this.current?.body !== json) this.current = { key: newIdempotencyKey(), body: json };
    return this.current.key;
  }

  /** The attempt finished for good (it succeeded): the next send is a new attempt. */
  done(): void {
    this.current = null;
  }
}

/** How many times a request that got no answer is sent in all, and the wait before the n-th retry (n × this). */
const TRIES = 3;
const BACKOFF_MS = 1000;

/** Runs `attempt` again while it gets no answer (`network_error`), at most `TRIES` times in all, waiting longer each time. */
export async function withNetworkRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== NETWORK_ERROR || i >= TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * i));
    }
  }
}

/**
 * Sends a money-moving POST by the policy above: `send` gets the attempt's key for `body`. Throws the last
 * `ApiError` when it fails (a refusal, or still no answer after the retries).
 */
export async function sendMoneyMovingPost<T>(keys: AttemptKeys, body: unknown, send: (key: string) => Promise<T>): Promise<T> {
  const key = keys.keyFor(body);
  try {
    const answer = await withNetworkRetry(() => send(key));
    keys.done();
    return answer;
  } catch (error) {
    if (isRefusal(error)) keys.done();
    throw error;
  }
}

/** A definite refusal: the API answered 4xx and did nothing, except while the first request is still running. */
function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && error.code !== 'request_in_progress';
}
