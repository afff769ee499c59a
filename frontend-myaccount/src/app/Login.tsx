import { useState } from 'preact/hooks';
import { call } from '@kit/api';
import { ApiError, problemMessage } from '@kit/problems';
import { api, session } from '../api/client';

/** The sign-in page; `reason` says why the last session ended (it timed out, or ended elsewhere), if it did. */
export function Login({ onSignedIn, reason = null }: { onSignedIn: () => void; reason?: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const { access_token } = await call(api.POST('/auth/client/login', { body: { email, password } }));
      session.signIn(access_token);
      onSignedIn();
    } catch (error) {
      setProblem(
        error instanceof ApiError && error.status === 401 ? 'The email or password is not right.' : problemMessage(error),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page">
      <h1 tabIndex={-1}>My Account</h1>
      {reason && !problem && (
        <p class="notice" role="status">
          {reason}
        </p>
      )}
      <form onSubmit={submit}>
        <label>
          Email
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
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
        </label>
        <div role="alert" class="alert-slot">
          {problem && <p class="alert">{problem}</p>}
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
