import { useId } from 'preact/hooks';
import { useWords } from '../i18n';

interface Line {
  kind: string;
  description: string;
  amount_cents: number;
}

interface Props {
  /** Null while loading: placeholder rows of the same size keep the page from jumping. */
  lines: Line[] | null;
  totalCents?: number;
  caption?: string;
  /** The total's label; `Total Due Amount` in the page's language unless given. */
  totalLabel?: string;
}

// Same rows as a real summary (fee, past due, tax) so nothing moves when it arrives.
const placeholder: Line[] = [0, 1, 2].map(() => ({ kind: '', description: '', amount_cents: 0 }));

export function Summary({ lines, totalCents, caption, totalLabel }: Props) {
  const titleId = useId();
  const { t, money, line: label } = useWords();
  return (
    <section class="summary" aria-labelledby={titleId} aria-busy={lines === null}>
      <h2 id={titleId}>{t.common.summaryTitle}</h2>
      {caption && <p class="muted">{caption}</p>}
      <table>
        <tbody>
          {(lines ?? placeholder).map((line, i) => (
            <tr key={i}>
              <th scope="row">{lines ? label(line) : <span class="bar" />}</th>
              <td>{lines ? money(line.amount_cents) : <span class="bar short" />}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{lines ? (totalLabel ?? t.common.totalDue) : <span class="bar" />}</th>
            <td>{lines ? money(totalCents ?? 0) : <span class="bar short" />}</td>
          </tr>
        </tfoot>
      </table>
    </section>
  );
}
