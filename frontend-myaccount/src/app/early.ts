import type { components } from '../api/schema';
import { api, call, session } from '../api/client';

type Client = components['schemas']['Client'];

let early: Promise<Client> | null = null;

/**
 * Asks for the signed-in client as the script starts, before the first render: Make a Payment shows nothing
 * of its own until it has the answer, and on a phone the render takes a while.
 */
export function askForClientEarly() {
  if (session.get() === null) return;
  early = call(api.GET('/me'));
  early.catch(() => {}); // whoever takes it handles the error
}

/** The signed-in client: the early answer the first time, a new request after. */
export function signedInClient(): Promise<Client> {
  const answer = early ?? call(api.GET('/me'));
  early = null;
  return answer;
}
