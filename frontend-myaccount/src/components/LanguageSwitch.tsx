import { chooseLanguage, useWords, type Language } from '../i18n';

/** Each language's own name, written in that language (and marked so, for screen readers). */
const NAMES: [Language, string][] = [
  ['en', 'English'],
  ['es', 'Español'],
];

/**
 * English / Español: changes every word of the page at once, without a reload (what was typed stays), and is
 * remembered for the tab. The client's stored language (staff's setting) is not changed.
 */
export function LanguageSwitch() {
  const { language, t } = useWords();
  return (
    <div class="language-switch" role="group" aria-label={t.language.group}>
      {NAMES.map(([code, name]) => (
        <button type="button" key={code} lang={code} aria-pressed={language === code} onClick={() => chooseLanguage(code)}>
          {name}
        </button>
      ))}
    </div>
  );
}
