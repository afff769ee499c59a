/**
 * How the SPAs move focus (WCAG 2.4.3: a confirm step's first button, a page's heading, a form's first field).
 *
 * The rule, which `tests/focus-rule.test.ts` checks in both SPAs and this kit: focus moves in a layout effect
 * (`useLayoutEffect`) or with {@link focusOnMount}, never in a passive effect (`useEffect`) nor in an inline ref
 * callback. A passive effect runs after the browser has painted: a person (or a test) who has already put the
 * cursor in another field of a form that just opened had their typing sent to the field the effect focused (PLUS
 * Web's credit refund form took the reason as its Amount: "10.00Client asked…"). An inline ref callback that
 * focuses its element is a new function on every render, so Preact calls it on every render, and it took the focus
 * back whenever the list around it re-rendered (PLUS Web's payment links poll).
 */

/**
 * A ref callback that focuses its element once, when it mounts: `ref={focusOnMount}`. One function for the whole
 * app, so Preact calls it only when the element mounts (and with `null` when it goes), not on every render.
 */
export function focusOnMount(element: HTMLElement | null): void {
  element?.focus();
}
