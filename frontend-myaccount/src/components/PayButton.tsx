/** `a`, `a and b`, `a, b and c`. */
function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * The hint under a disabled pay button: what exactly is missing, in the words of the fields on this page
 * (`missing`, from the card entry) and the steps it has (`steps`, e.g. `accept the terms` on the pay page only).
 * Null when nothing is missing (the button waits for something else, e.g. the summary).
 */
export function payHint(missing: string[], steps: string[] = []): string | null {
  const parts = [...(missing.length > 0 ? [`enter ${listWords(missing)}`] : []), ...steps];
  if (parts.length === 0) return null;
  const joined = missing.length > 1 && steps.length > 0 ? `${parts.slice(0, -1).join(', ')}, and ${parts[parts.length - 1]}` : listWords(parts);
  return `To pay, ${joined}.`;
}

/** "Make Payment": enabled only once nothing is missing; the hint names what is. */
export function PayButton({
  ready,
  busy,
  missing,
  steps = [],
  label = 'Make Payment',
}: {
  ready: boolean;
  busy: boolean;
  missing: string[];
  steps?: string[];
  label?: string;
}) {
  const hint = ready ? null : payHint(missing, steps);
  return (
    <>
      <button type="submit" class="primary" disabled={!ready || busy} aria-describedby={hint ? 'pay-hint' : undefined}>
        {busy ? 'Processing…' : label}
      </button>
      {hint && (
        <p id="pay-hint" class="muted">
          {hint}
        </p>
      )}
    </>
  );
}
