import { useWords, type Catalog } from '../i18n';
import { en } from '../i18n/en';
import type { CardPart } from './CardEntry';

/** `a`, `a and b`, `a, b and c` (`and` in the page's language). */
function listWords(words: string[], and: string): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} ${and} ${words[words.length - 1]}`;
}

/**
 * The hint under a disabled pay button: what exactly is missing, in the words of the fields on this page
 * (`missing`, from the card entry) and the steps it has (`steps`, e.g. `accept the terms` on the pay page only).
 * Null when nothing is missing (the button waits for something else, e.g. the summary). `words`: the page's
 * language's (English unless given).
 */
export function payHint(missing: string[], steps: string[] = [], words: Catalog['payHint'] = en.payHint): string | null {
  const parts = [...(missing.length > 0 ? [words.enter(listWords(missing, words.and))] : []), ...steps];
  if (parts.length === 0) return null;
  const joined =
    missing.length > 1 && steps.length > 0
      ? `${parts.slice(0, -1).join(', ')}, ${words.and} ${parts[parts.length - 1]}`
      : listWords(parts, words.and);
  return words.toPay(joined);
}

/**
 * "Make Payment". Disabled only while there is nothing to pay yet (`waiting`: the amount, or on the pay page the
 * terms, have not arrived; `reason` then says why, in the hint) or a payment is on its way. Otherwise, when something is missing it is `aria-disabled` but still submits (WCAG
 * 3.3.1): Enter or a tap then shows the card fields' errors and moves focus to the first field at fault, and the
 * hint names what is missing.
 */
export function PayButton({
  ready,
  busy,
  missing,
  steps = [],
  label,
  waiting = false,
  reason = null,
}: {
  ready: boolean;
  busy: boolean;
  missing: CardPart[];
  steps?: string[];
  label?: string;
  waiting?: boolean;
  reason?: string | null;
}) {
  const { t } = useWords();
  const words = missing.map((part) => (part === 'details' ? t.payHint.yourCardDetails : t.cardEntry.fieldWords[part]));
  const hint = reason ?? (ready ? null : payHint(words, steps, t.payHint));
  return (
    <>
      <button
        type="submit"
        class="primary"
        disabled={waiting || reason !== null || busy}
        aria-disabled={!waiting && reason === null && !busy && !ready ? 'true' : undefined}
        aria-describedby={hint ? 'pay-hint' : undefined}
      >
        {busy ? t.common.processing : (label ?? t.common.makePayment)}
      </button>
      {hint && (
        <p id="pay-hint" class="muted" role={reason ? 'status' : undefined}>
          {hint}
        </p>
      )}
    </>
  );
}
