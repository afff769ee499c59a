import { fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TableScroll } from '../src/components/TableScroll';

/** jsdom lays nothing out: the box's widths and scroll position are what the test says they are. */
function lay(box: { scrollWidth: number; clientWidth: number }) {
  vi.spyOn(HTMLElement.prototype, 'scrollWidth', 'get').mockImplementation(() => box.scrollWidth);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockImplementation(() => box.clientWidth);
}

const table = (
  <table>
    <tbody><tr><td>Dec 1, 2026</td><td>$205.68</td></tr></tbody>
  </table>
);

afterEach(() => vi.restoreAllMocks());

describe('a table’s scroll box', () => {
  it('is inert when the table fits: no line, no region, no tab stop', () => {
    lay({ scrollWidth: 800, clientWidth: 800 });
    const { container } = render(<TableScroll label="Payment links table">{table}</TableScroll>);
    expect(screen.queryByText(/Scroll sideways/)).toBeNull();
    expect(screen.queryByRole('region')).toBeNull();
    expect(container.querySelector('.table-scroll')?.hasAttribute('tabindex')).toBe(false);
  });

  it('says it scrolls, is a named region and a tab stop when the table is wider, and follows the scroll', () => {
    lay({ scrollWidth: 766, clientWidth: 258 });
    const { container } = render(<TableScroll label="Payment links table">{table}</TableScroll>);
    const region = screen.getByRole('region', { name: 'Payment links table' });
    expect(region.tabIndex).toBe(0);
    expect(screen.getByText(/Scroll sideways for more columns/).textContent).toContain('→');
    const edges = container.querySelector('.table-edges')!;
    expect([edges.hasAttribute('data-hidden-left'), edges.hasAttribute('data-hidden-right')]).toEqual([false, true]);

    region.scrollLeft = 766 - 258;
    fireEvent.scroll(region);
    expect([edges.hasAttribute('data-hidden-left'), edges.hasAttribute('data-hidden-right')]).toEqual([true, false]);
    expect(screen.getByText(/Scroll sideways for more columns/).textContent).toContain('←');
  });
});
