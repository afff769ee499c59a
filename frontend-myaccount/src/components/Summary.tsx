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
}

export function Summary({ lines, totalCents, caption }: Props) {
  return (
    <section class="summary" aria-labelledby="summary-title" aria-busy={lines === null}>
      <h2 id="summary-title">Payment Summary</h2>
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
              <th scope="row">Total Due Amount</th>
              <td>{formatCents(totalCents ?? 0)}</td>
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
