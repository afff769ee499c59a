/** "Make Payment": enabled only once the terms are accepted and the card is valid. */
export function PayButton({ ready, busy, label = 'Make Payment' }: { ready: boolean; busy: boolean; label?: string }) {
  return (
    <>
      <button type="submit" class="primary" disabled={!ready || busy} aria-describedby={ready ? undefined : 'pay-hint'}>
        {busy ? 'Processing…' : label}
      </button>
      {!ready && (
        <p id="pay-hint" class="muted">
          Enter a valid card and accept the terms to pay.
        </p>
      )}
    </>
  );
}
