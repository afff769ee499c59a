import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * The box every PLUS Web table sits in. A table wider than the window (a phone at 320 px) scrolls sideways inside
 * it, never the page: WCAG 1.4.10 allows two-dimensional scrolling for data tables, as long as every cell can be
 * reached. While the table is wider than the box, the box says so (a line above it, and a shade on the side where
 * columns are hidden), is a region named `label` and takes the keyboard focus, so the arrow keys scroll it. A
 * table that fits (1280 px) shows none of this and adds no tab stop.
 */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  const box = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState({ left: false, right: false });

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => {
      const end = element.scrollWidth - element.clientWidth;
      const left = element.scrollLeft > 1;
      const right = element.scrollLeft < end - 1;
      setHidden((was) => (was.left === left && was.right === right ? was : { left, right }));
    };
    measure();
    element.addEventListener('scroll', measure, { passive: true });
    // The window's width and the table's rows (polled, loaded later) both change whether it fits.
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
    observer?.observe(element);
    for (const child of element.children) observer?.observe(child);
    return () => {
      element.removeEventListener('scroll', measure);
      observer?.disconnect();
    };
  }, []);

  const scrolls = hidden.left || hidden.right;
  return (
    <div class="table-frame">
      {scrolls && (
        <p class="scroll-hint" aria-hidden="true">
          Scroll sideways for more columns <span class="arrow">{hidden.right ? '→' : '←'}</span>
        </p>
      )}
      <div class="table-edges" data-hidden-left={hidden.left || undefined} data-hidden-right={hidden.right || undefined}>
        <div ref={box} class="table-scroll" role={scrolls ? 'region' : undefined} aria-label={scrolls ? label : undefined}
          tabIndex={scrolls ? 0 : undefined}>
          {children}
        </div>
      </div>
    </div>
  );
}
