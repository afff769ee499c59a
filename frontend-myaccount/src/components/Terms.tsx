import { useLayoutEffect, useRef } from 'preact/hooks';
import type { Schemas } from '@kit/api';
import { useWords } from '../i18n';
import { Dialog } from './Dialog';

type TermsDoc = Schemas['Terms'];

/**
 * "Read the terms" beside an accept-the-terms checkbox (issue 18, sentence 4). A button, though it reads like a
 * link: it opens the terms in a dialog on this page and goes nowhere, so the form keeps what was typed. Its first
 * render is written into pay/index.html (src/shell.test.tsx).
 */
export function TermsLink({ onOpen }: { onOpen: (opener: HTMLElement) => void }) {
  const t = useWords().t.terms;
  return (
    <p class="terms-read">
      {t.before}
      <button type="button" class="text-link" aria-haspopup="dialog" onClick={(e) => onOpen(e.currentTarget)}>
        {t.link}
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
  const w = useWords();
  const t = w.t.terms;
  const back = useRef(opener);
  // Focus goes back once the dialog is gone: while a modal dialog is open, nothing behind it can take focus.
  useLayoutEffect(
    () => () => {
      const to = back.current;
      setTimeout(() => to?.focus(), 0);
    },
    [],
  );
  return (
    <Dialog title={terms?.title ?? t.link} onClose={onClose}>
      {terms ? (
        <>
          <p class="muted">{t.version(terms.version, w.date(terms.effective_date))}</p>
          <div class="terms-text" dangerouslySetInnerHTML={{ __html: terms.html }} />
        </>
      ) : (
        <p role="status">{t.loading}</p>
      )}
      <button type="button" class="primary" onClick={onClose}>
        {t.close}
      </button>
    </Dialog>
  );
}
