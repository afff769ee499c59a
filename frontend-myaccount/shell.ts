/**
 * The static first render a page's HTML holds in `<div id="root">` (pay/index.html, payment/index.html),
 * written indented for reading and served without the whitespace between its tags: Preact renders no
 * such text nodes, so it takes the served elements over without adding or removing a node.
 */
export function compactShell(html: string): string {
  return html.replace(
    /(<div id="root">)([\s\S]*?)(<\/div>\s*<script )/,
    (_, open: string, shell: string, close: string) => open + shell.trim().replace(/>\s+</g, '><') + close,
  );
}

/** The inside of `<div id="root">` as served. */
export function shellOf(html: string): string {
  const shell = /<div id="root">([\s\S]*?)<\/div>\s*<script /.exec(compactShell(html))?.[1];
  if (shell === undefined) throw new Error('no <div id="root"> before the page script');
  return shell;
}
