import { useId } from 'preact/hooks';
import { formatCents } from '../lib/money';

interface Line {
  description: string;
  amount_cents: number;
}

interface Props {
  /** Null while loading: a skeleton of the same size keeps the page from jumping. */
  lines: Line[] | null;
  totalCents?: number;
  caption?: string;
  totalLabel?: string;
}

export function Summary({ lines, totalCents, caption, totalLabel = 'Total Due Amount' }: Props) {
  const titleId = useId();
  return (
    <section class="summary" aria-labelledby={titleId} aria-busy={lines === null}>
      <h2 id={titleId}>Payment Summary</h2>
      {caption && <p class="muted">{caption}</p>}
      {lines === null ? (
        <div class="skeleton" aria-hidden="true">
          <span />
          <span />
          <span />
          <span class="total" />
        </div>
      ) : (
        <table>
          <tbody>
            {lines.map((line) => (
              <tr key={line.description}>
                <th scope="row">{line.description}</th>
                <td>{formatCents(line.amount_cents)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{totalLabel}</th>
              <td>{formatCents(totalCents ?? 0)}</td>
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
