import { useEffect, useRef } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { formatDate } from '@kit/format';
import { Dialog } from './Dialog';

type TermsDoc = Schemas['Terms'];

/** These components' words, in one place (for the message catalog). */
export const strings = {
  before: 'Read the ',
  link: 'terms',
  version: (version: string, effective: string) => `Version ${version}, in effect from ${effective}.`,
  loading: 'Loading the terms…',
  close: 'Close',
};

/**
 * "Read the terms" beside an accept-the-terms checkbox (issue 18, sentence 4). A button, though it reads like a
 * link: it opens the terms in a dialog on this page and goes nowhere, so the form keeps what was typed. Its first
 * render is written into pay/index.html (src/shell.test.tsx).
 */
export function TermsLink({ onOpen }: { onOpen: (opener: HTMLElement) => void }) {
  return (
    <p class="terms-read">
      {strings.before}
      <button type="button" class="text-link" aria-haspopup="dialog" onClick={(e) => onOpen(e.currentTarget)}>
        {strings.link}
      </button>
    </p>
  );
}

/**
 * The usage terms (`get_terms`) in a modal dialog: focus moves to its title, Escape or Close closes it, and focus
 * goes back to what opened it. The markup is the API's own (written in `domain::terms`, `<h2>`, `<p>`, `<ul>`,
 * `<li>` only, never from input), so it is shown as it is.
 */
export function TermsDialog({ terms, opener, onClose }: { terms: TermsDoc | null; opener: HTMLElement | null; onClose: () => void }) {
  const back = useRef(opener);
  // Focus goes back once the dialog is gone: while a modal dialog is open, nothing behind it can take focus.
  useEffect(
    () => () => {
      const to = back.current;
      setTimeout(() => to?.focus(), 0);
    },
    [],
  );
  return (
    <Dialog title={terms?.title ?? strings.link} onClose={onClose}>
      {terms ? (
        <>
          <p class="muted">{strings.version(terms.version, formatDate(terms.effective_date))}</p>
          <div class="terms-text" dangerouslySetInnerHTML={{ __html: terms.html }} />
        </>
      ) : (
        <p role="status">{strings.loading}</p>
      )}
      <button type="button" class="primary" onClick={onClose}>
        {strings.close}
      </button>
    </Dialog>
  );
}
