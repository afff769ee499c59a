import { useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * A secret just created, shown this once: the API keeps only its hash (an API key) or a sealed copy it never
 * shows again (a webhook signing secret). Focus moves to it; a copy button uses the Clipboard API, and where the
 * browser refuses it the secret is selected for Ctrl+C; a button puts it away.
 */
export function SecretShownOnce({ id, title, label, secret, notice, copyText, copiedText, onDone }: {
  /** The input's id (unique on the page). */
  id: string;
  title: string;
  /** The input's label, and what the copy button copies (`Copy <label>`). */
  label: string;
  secret: string;
  /** Why it must be copied now (it will not be shown again) and what to do if it is lost. */
  notice: string;
  copyText: string;
  /** What the polite live region says after a copy. */
  copiedText: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);

  useLayoutEffect(() => field.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(copiedText);
    } catch {
      field.current?.select();
      setCopied(`The browser did not allow copying: the ${label.toLowerCase()} is selected, press Ctrl+C (⌘C on a Mac).`);
    }
  };

  return (
    <div class="panel new-key" role="group" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p class="notice">{notice}</p>
      <div class="field">
        <label for={id}>{label}</label>
        <input id={id} ref={field} readOnly value={secret} size={56} autoComplete="off"
          spellcheck={false} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={() => void copy()}>{copyText}</button>
        <button type="button" class="secondary" onClick={onDone}>Done</button>
      </div>
      <p class="muted" role="status" aria-live="polite">{copied}</p>
    </div>
  );
}
