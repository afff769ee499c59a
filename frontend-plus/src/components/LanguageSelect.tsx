import { useState } from 'preact/hooks';
import { call } from '@kit/api';
import type { Language } from '@kit/problems';
import { api, type Client } from '../api/client';
import { ErrorMessage } from './ErrorMessage';

const NAMES: Record<Language, string> = { en: 'English', es: 'Spanish (Español)' };

/**
 * The client's language (texts and My Account pages follow it): saved as soon as staff pick another one
 * (`update_client`); the Client Log then says who changed it.
 */
export function LanguageSelect({ client, onChange }: { client: Client; onChange: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<Language | null>(null);

  const pick = async (language: Language) => {
    if (language === client.language || busy) return;
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      await call(api.PATCH('/clients/{client_id}', { params: { path: { client_id: client.id } }, body: { language } }));
      setSaved(language);
      onChange();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <select
        id="client-language"
        value={client.language}
        disabled={busy}
        onChange={(event) => void pick((event.target as HTMLSelectElement).value as Language)}
      >
        {(Object.keys(NAMES) as Language[]).map((code) => (
          <option key={code} value={code}>
            {NAMES[code]}
          </option>
        ))}
      </select>
      <span role="status" class="muted">
        {saved ? ` Saved: texts and My Account in ${NAMES[saved]}.` : ''}
      </span>
      <ErrorMessage error={error} />
    </>
  );
}
