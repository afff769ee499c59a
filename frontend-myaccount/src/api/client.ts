import { createApi, signOut as endSession } from '@kit/api';
import { Session } from '@kit/session';

/** The client's session (`myaccount.token` in this tab). */
export const session = new Session('myaccount');

/** My Account's one API client: the client's token; a 401 on a signed-in call ends the session (the kit's rule). */
export const api = createApi(session);

/** Signs out at the API, then in this tab. */
export const signOut = () => endSession(api, session);
