/** A failed API call: the problem `code` the API answered, or `network_error` when it never answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

const messages: Record<string, string> = {
  network_error: 'We could not reach the server. Check your connection and try again.',
  unauthorized: 'Your session has ended. Please sign in again.',
  invalid_credentials: 'The email or password is not right.',
  link_not_found: 'We could not find this payment link. Check that you opened the whole link from your text message.',
  link_expired: 'This payment link has expired.',
  link_used: 'This payment link has already been used to pay. You do not need to pay again.',
  link_revoked: 'This payment link was replaced or cancelled. Use the newest link we sent you.',
  link_outdated:
    'The amount in this payment link is out of date: part of it has been paid another way. Nothing was charged. Please contact us for a new link.',
  card_declined: 'Your card was declined. Nothing was charged. Please try another card.',
  insufficient_funds: 'Your card was declined for insufficient funds. Nothing was charged. Please try another card.',
  expired_card: 'Your card has expired. Nothing was charged. Please try another card.',
  incorrect_cvc: 'The security code did not match. Nothing was charged. Check it or try another card.',
  processing_error: 'The card could not be processed. Nothing was charged. Please try again or use another card.',
  payment_method_invalid: 'This card cannot be used. Nothing was charged. Please try another card.',
  authentication_required:
    'Your bank wants you to confirm this card, and it was not confirmed. Nothing was charged. Please try again (without saving the card), or use another card.',
  authentication_failed: 'Your bank did not confirm this payment. Nothing was charged. Please try again or use another card.',
  invalid_card_number: 'The card number is not valid.',
  invalid_expiry: 'The expiry date is not valid.',
  invalid_cvc: 'The security code is not valid.',
  test_card_required: 'This test system accepts only test cards.',
  terms_not_accepted: 'Please accept the terms to pay.',
  payment_in_progress: 'A payment for this is already being processed. Please wait a moment before trying again.',
  request_in_progress: 'Your payment is still being processed. Please wait a moment.',
  quote_changed: 'The amount due has changed since you looked. Please review the new total.',
  location_not_accepting_payments: 'Online payments are not available for your location. Please call us to pay.',
  rate_limited: 'Too many attempts. Please wait a minute and try again.',
  autopay_needs_saved_card: 'Auto Pay needs a card on file.',
  card_used_by_autopay: 'This card is used for Auto Pay.',
  service_unavailable: 'The service is busy. Please try again in a moment.',
};

/** The one place a problem code becomes words for the client. */
export function problemMessage(code: string): string {
  return messages[code] ?? 'Something went wrong. Nothing was charged. Please try again.';
}

/** Codes that mean the card was refused and another card may work. */
export const declineCodes = new Set([
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'processing_error',
  'payment_method_invalid',
  'authentication_required',
  'authentication_failed',
]);

export const errorCode = (error: unknown) => (error instanceof ApiError ? error.code : 'internal_error');
export const errorMessage = (error: unknown) => problemMessage(errorCode(error));
