import { formatCents } from '../money';

export function Money({ cents }: { cents: number }) {
  return <span class="money">{formatCents(cents)}</span>;
}
