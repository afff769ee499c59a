import { formatCents } from '@kit/format';

export function Money({ cents }: { cents: number }) {
  return <span class="money">{formatCents(cents)}</span>;
}
