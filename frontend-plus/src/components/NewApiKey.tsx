import { useEffect, useRef, useState } from 'preact/hooks';
import type { CreatedApiKey } from './CreateApiKeyForm';

/**
 * A key just created, shown this once: the API keeps only its hash. A copy button (the Clipboard API; where the
 * browser refuses it, the key is selected for Ctrl+C), and a button to put it away.
 */
export function NewApiKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => field.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('Copied. Paste it into the partner system now.');
    } catch {
      field.current?.select();
      setCopied('The browser did not allow copying: the key is selected, press Ctrl+C (⌘C on a Mac).');
    }
  };

  return (
    <div class="panel new-key" role="group" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Key for {created.name}</h2>
      <p class="notice">Copy this key now: it is shown only once. If it is lost, revoke it and create another.</p>
      <div class="field">
        <label for="new-api-key">API key</label>
        <input id="new-api-key" ref={field} readOnly value={created.key} size={56} autoComplete="off"
          spellcheck={false} onFocus={(e) => e.currentTarget.select()} />
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={() => void copy()}>Copy key</button>
        <button type="button" class="secondary" onClick={onDone}>Done</button>
      </div>
      <p class="muted" role="status" aria-live="polite">{copied}</p>
    </div>
  );
}
