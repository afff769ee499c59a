/**
 * A vehicle's paid-through date as both apps show it ([`paidStatus`](./vehicles.ts) says what it reads): an
 * overdue one is flagged with a mark and words, not by color alone (WCAG 1.4.1). Preact is the app's (see
 * `SessionWarning.tsx`).
 */
import type { PaidStatus } from './vehicles';

export function PaidThrough({ status }: { status: PaidStatus }) {
  return status.overdue ? (
    <span class="overdue">
      <span aria-hidden="true">⚠ </span>
      {status.text}
    </span>
  ) : (
    <span class="muted">{status.text}</span>
  );
}
