import type { Schemas } from '@kit/api';
import { call } from '@kit/api';
import { api, session } from '../api/client';
import { followLanguage } from '../i18n';

type Client = Schemas['Client'];

let early: Promise<Client> | null = null;

/**
 * Asks for the signed-in client as the script starts, before the first render: Make a Payment shows nothing
 * of its own until it has the answer, and on a phone the render takes a while.
 */
export function askForClientEarly() {
  if (session.token() === null) return;
  early = me();
  early.catch(() => {}); // whoever takes it handles the error
}

/** `GET /me`; the page then follows the client's language (unless this tab chose one with the switch). */
export function me(): Promise<Client> {
  return call(api.GET('/me')).then((client) => {
    followLanguage(client.language);
    return client;
  });
}

/** The signed-in client: the early answer the first time, a new request after. */
export function signedInClient(): Promise<Client> {
  const answer = early ?? me();
  early = null;
  return answer;
}

let daysPicked: 14 | 30 | undefined;

/**
 * payment/index.html's days radios work before the script has run. Notes a pick made there (a radio checked
 * that the HTML did not check), before the first render sets the radios from the app's state.
 */
export function noteDaysPickedEarly(root: ParentNode) {
  const radio = [...root.querySelectorAll<HTMLInputElement>('input[name="days"]')].find((r) => r.checked && !r.defaultChecked);
  daysPicked = radio?.value === '14' ? 14 : radio?.value === '30' ? 30 : undefined;
}

/** The days picked before the script ran, the first time; nothing after that. */
export function daysPickedEarly(): 14 | 30 | undefined {
  const days = daysPicked;
  daysPicked = undefined;
  return days;
}
