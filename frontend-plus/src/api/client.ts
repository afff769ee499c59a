import { createApi, signOut, type Schemas } from '@kit/api';
import { Session } from '@kit/session';

export type { Schemas };
export type Client = Schemas['Client'];
export type ClientSummary = Schemas['ClientSummary'];
export type LinkView = Schemas['LinkView'];
export type QuoteSummary = Schemas['QuoteSummary'];
export type Invoice = Schemas['Invoice'];
export type Payment = Schemas['Payment'];
export type Line = Schemas['Line'];

/** The staff member's session (`plus.token` in this tab): the token and the email they signed in with. */
export const session = new Session('plus');

/** PLUS Web's one API client: staff token; a 401 on a signed-in call ends the session (the kit's rule). */
export const api = createApi(session);

/** Logs out at the API, then in this tab. */
export const logOut = () => signOut(api, session);
