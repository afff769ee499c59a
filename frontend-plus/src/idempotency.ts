/**
 * Idempotency keys for money-moving POSTs: one fresh key per intended attempt.
 * Retrying the same attempt (same body) reuses its key, so the API answers the
 * first result instead of acting twice; changed details or a success start a new attempt.
 */
export class AttemptKeys {
  private current: { key: string; body: string } | null = null;

  keyFor(body: unknown): string {
    const json = JSON.stringify(body);
    if (this.current?.body !== json) this.current = { key: crypto.randomUUID(), body: json };
    return this.current.key;
  }

  /** The attempt finished for good (succeeded): the next send is a new attempt. */
  done(): void {
    this.current = null;
  }
}
