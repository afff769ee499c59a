import { fireEvent, render, screen } from '@testing-library/preact';
import { describe, expect, it } from 'vitest';
import { App } from '../src/components/App';
import { session } from '../src/api/client';
import { stubApi } from './fixtures';

const unauthorized = { type: 'x', title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'expired' };

describe('session', () => {
  it('a 401 from any call returns to the login page saying the session expired', async () => {
    session.signIn('expired-token', 'agent@example.com');
    stubApi({ 'GET /clients': { status: 401, body: unauthorized } });
    render(<App />);
    fireEvent.input(screen.getByLabelText('Name or phone'), { target: { value: 'Dana' } });
    fireEvent.submit(screen.getByRole('search'));
    expect(await screen.findByText('Your session has expired. Please sign in again.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(sessionStorage.getItem('plus.token')).toBeNull();
  });

  it('a wrong password is explained, not a session expiry', async () => {
    stubApi({ 'POST /auth/staff/login': { status: 401, body: unauthorized } });
    render(<App />);
    fireEvent.input(screen.getByLabelText('Email'), { target: { value: 'agent@example.com' } });
    fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('That email and password do not match. Try again.');
  });
});
