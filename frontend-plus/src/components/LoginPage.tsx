import { useEffect, useState } from 'preact/hooks';
import { api, session } from '../api/client';
import { useAction } from '../hooks';
import { errorCode, problemMessage } from '@kit/problems';
import { call } from '@kit/api';

export function LoginPage({ reason }: { reason: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  useEffect(() => {
    document.title = 'Sign in – PLUS Web';
  }, []);

  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const token = await call(api.POST('/auth/staff/login', { body: { email: email.trim(), password } }));
      session.signIn(token.access_token, email.trim());
    });
  };

  const message =
    errorCode(error) === 'unauthorized' ? 'That email and password do not match. Try again.' : problemMessage(error);

  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">PLUS Web</h1>
        <p class="muted">Staff sign in</p>
        {reason && !error && (
          <p class="notice" role="status">
            {reason}
          </p>
        )}
        <label for="email">Email</label>
        <input id="email" type="email" autoComplete="username" required autoFocus value={email}
          onInput={(e) => setEmail(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" type="password" autoComplete="current-password" required value={password}
          onInput={(e) => setPassword(e.currentTarget.value)} />
        {error !== null && <p class="error" role="alert">{message}</p>}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
