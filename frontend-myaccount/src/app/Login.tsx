import { useState } from 'preact/hooks';
import { call } from '@kit/api';
import { ApiError } from '@kit/problems';
import { SESSION_EXPIRED } from '@kit/session';
import { api, session } from '../api/client';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { useWords } from '../i18n';

/** The sign-in page; `reason` says why the last session ended (it timed out, or ended elsewhere), if it did. */
export function Login({ onSignedIn, reason = null }: { onSignedIn: () => void; reason?: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  const w = useWords();
  const { t } = w;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const { access_token } = await call(api.POST('/auth/client/login', { body: { email, password } }));
      session.signIn(access_token);
      onSignedIn();
    } catch (error) {
      // Kept as it came, and put in words as it is shown: a switch of language rewrites it too.
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page">
      <LanguageSwitch />
      <h1 tabIndex={-1}>{t.login.title}</h1>
      {reason && !problem && (
        <p class="notice" role="status">
          {reason === SESSION_EXPIRED ? w.problem('unauthorized') : reason}
        </p>
      )}
      <form onSubmit={submit}>
        <label>
          {t.login.email}
          <input
            type="email"
            autoComplete="username"
            inputMode="email"
            required
            value={email}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          {t.login.password}
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        <div role="alert" class="alert-slot">
          {problem !== null && (
            <p class="alert">{problem instanceof ApiError && problem.status === 401 ? t.login.wrong : w.problem(problem)}</p>
          )}
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? t.login.signingIn : t.login.signIn}
        </button>
      </form>
    </main>
  );
}
