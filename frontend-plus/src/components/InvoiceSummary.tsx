import type { Line } from '../api/client';
import { Money } from './Money';
import { TableScroll } from './TableScroll';

/** The lines of a quote or invoice and what they add up to. */
export function InvoiceSummary(props: { title: string; lines: Line[]; totalCents: number; totalLabel?: string }) {
  return (
    <TableScroll label={`${props.title} table`}>
    <table class="table summary">
      <caption>{props.title}</caption>
      <thead>
        <tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr>
      </thead>
      <tbody>
        {props.lines.map((line) => (
          <tr key={line.kind + line.description}>
            <td>{line.description}</td>
            <td class="num"><Money cents={line.amount_cents} /></td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">{props.totalLabel ?? 'Total Due Amount'}</th>
          <td class="num total" data-testid="total"><Money cents={props.totalCents} /></td>
        </tr>
      </tfoot>
    </table>
    </TableScroll>
  );
}
