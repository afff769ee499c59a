import { useId } from 'preact/hooks';
import { formatCents } from '@kit/format';

interface Line {
  description: string;
  amount_cents: number;
}

interface Props {
  /** Null while loading: placeholder rows of the same size keep the page from jumping. */
  lines: Line[] | null;
  totalCents?: number;
  caption?: string;
  totalLabel?: string;
}

// Same rows as a real summary (fee, past due, tax) so nothing moves when it arrives.
const placeholder: Line[] = [0, 1, 2].map(() => ({ description: '', amount_cents: 0 }));

export function Summary({ lines, totalCents, caption, totalLabel = 'Total Due Amount' }: Props) {
  const titleId = useId();
  return (
    <section class="summary" aria-labelledby={titleId} aria-busy={lines === null}>
      <h2 id={titleId}>Payment Summary</h2>
      {caption && <p class="muted">{caption}</p>}
      <table>
        <tbody>
          {(lines ?? placeholder).map((line, i) => (
            <tr key={i}>
              <th scope="row">{lines ? line.description : <span class="bar" />}</th>
              <td>{lines ? formatCents(line.amount_cents) : <span class="bar short" />}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{lines ? totalLabel : <span class="bar" />}</th>
            <td>{lines ? formatCents(totalCents ?? 0) : <span class="bar short" />}</td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
