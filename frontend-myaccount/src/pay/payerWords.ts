import type { Schemas } from '@kit/api';

/**
 * The pay page's words that depend on who pays the link or on its being out of date (issue 18), kept together
 * so they move into the string catalog as one.
 *
 * A link texted to the client's own phone greets the client ("Hi Dana,"); one texted to someone who pays for
 * them (a relative, an employer) says whose account it is ("You're paying for Dana W."), never "Hi Dana".
 */
export const payerWords = {
  greeting: (link: Pick<Schemas['LinkSummary'], 'payer' | 'client_first_name' | 'client_short_name'>): string =>
    link.payer === 'third_party'
      ? `You're paying for ${link.client_short_name}${link.client_short_name.endsWith('.') ? '' : '.'}`
      : `Hi ${link.client_first_name},`,
  /** The end state of a link whose amount no longer stands (`409 link_outdated`). */
  outdatedTitle: 'Link Out of Date',
  outdatedText:
    'This link is out of date: the account was paid another way since it was sent, so its amount is no longer right. Nothing was charged.',
  outdatedNext: 'Ask for a new link with the right amount:',
} as const;
