import type { CreatedApiKey } from './CreateApiKeyForm';
import { SecretShownOnce } from './SecretShownOnce';

/** A key just created, shown this once: the API keeps only its hash. */
export function NewApiKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  return (
    <SecretShownOnce id="new-api-key" title={`Key for ${created.name}`} label="API key" secret={created.key}
      notice="Copy this key now: it is shown only once. If it is lost, revoke it and create another."
      copyText="Copy key" copiedText="Copied. Paste it into the partner system now." onDone={onDone} />
  );
}
