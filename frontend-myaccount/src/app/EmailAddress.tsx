import { Fragment } from 'preact';

/**
 * An e-mail address that a narrow line (Account Information at 320 px) breaks only where people expect: after the
 * `@` and before a dot (`client@` / `example.com`), as style guides for addresses and URLs advise, never inside a
 * word. The browser takes the last of these that fits, so an address that fits a line stays whole; a single part
 * longer than the line still wraps inside it (`overflow-wrap` on the cell), as a last resort.
 */
export function EmailAddress({ address }: { address: string }) {
  // Each piece ends before a dot or just after the `@`: `client@`, `example`, `.com`.
  const pieces: string[] = [];
  let piece = '';
  for (const char of address) {
    if (char === '.' && piece !== '') {
      pieces.push(piece);
      piece = '';
    }
    piece += char;
    if (char === '@') {
      pieces.push(piece);
      piece = '';
    }
  }
  if (piece !== '') pieces.push(piece);
  return (
    <>
      {pieces.map((piece, n) => (
        <Fragment key={n}>
          {n > 0 && <wbr />}
          {piece}
        </Fragment>
      ))}
    </>
  );
}
