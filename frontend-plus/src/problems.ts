import type { components } from './api/schema';

export type Problem = components['schemas']['Problem'];

/** What a person should read for each stable problem `code` the API answers (README's table). */
const MESSAGES: Record<string, string> = {
  validation_failed: 'Some details are not valid. Check them and try again.',
  malformed_json: 'The request could not be read. Reload the page and try again.',
  unsupported_media_type: 'The request could not be read. Reload the page and try again.',
  payload_too_large: 'The request was too large.',
  invalid_query: 'That search could not be understood. Try a name or a phone number.',
  query_too_short: 'Type at least 2 characters to search.',
  invalid_monitor_days: 'Choose 14 or 30 monitor days.',
  unauthorized: 'Your session has expired. Please sign in again.',
  forbidden: 'Your role is not allowed to do this.',
  not_found: 'That record was not found.',
  client_not_found: 'This client was not found. They may have been removed.',
  vehicle_not_found: 'That vehicle was not found for this client.',
  price_not_configured: "This location has no price for that period. Ask a supervisor to set the location's prices.",
  card_not_found: 'That card is no longer on file. Choose another card.',
  invoice_not_found: 'That invoice was not found.',
  link_not_found: 'That payment link was not found.',
  link_expired: 'That payment link has expired.',
  link_used: 'That payment link has already been paid.',
  link_revoked: 'That payment link was cancelled.',
  terms_not_accepted: 'The terms must be accepted first.',
  invalid_phone: 'That phone number is not valid. Use a 10-digit US number, e.g. (512) 555-0143.',
  phone_not_allowed:
    'Payment links go to US or Canadian mobile and landline numbers only, not toll-free, premium-rate or other countries.',
  location_not_accepting_payments:
    "This client's location does not accept payments. The client must pay at the location.",
  idempotency_key_required: 'The request was missing its safety key. Reload the page and try again.',
  invalid_idempotency_key: 'The request was missing its safety key. Reload the page and try again.',
  idempotency_key_reused: 'This attempt was already used for different details. Try again.',
  request_in_progress: 'The same request is still being processed. Wait a moment before trying again.',
  quote_changed: 'The amount due changed since you confirmed it. Review the new amount and confirm again.',
  payment_in_progress: 'A payment for this client is already in progress. Wait a moment and refresh.',
  card_declined: 'The card was declined. Nothing was charged. Try another card.',
  insufficient_funds: 'The card was declined for insufficient funds. Nothing was charged.',
  expired_card: 'The card has expired. Nothing was charged. Try another card.',
  incorrect_cvc: 'The card security code was wrong. Nothing was charged.',
  processing_error: 'The card processor had an error. Nothing was charged. Try again.',
  payment_method_invalid: 'That card cannot be used. Nothing was charged. Try another card.',
  authentication_required:
    'The bank wants the client to confirm this payment. Nothing was charged. Send them a secure payment link, or ask them to pay in My Account, where their bank can ask them.',
  authentication_failed: 'The bank did not accept the client’s confirmation. Nothing was charged.',
  payment_method_required: 'Choose a card to pay with.',
  autopay_needs_saved_card: 'Auto Pay needs a card on file.',
  card_required: 'Choose a card to pay with.',
  card_used_by_autopay: 'That card is used by Auto Pay and cannot be removed.',
  invalid_card_number: 'That card number is not valid.',
  invalid_expiry: 'That expiry date is not valid.',
  invalid_cvc: 'That security code is not valid.',
  test_card_required: 'Only test cards work in the sandbox.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
  invalid_signature: 'The request signature was not valid.',
  service_unavailable: 'The payment service is temporarily unavailable. Try again in a minute.',
  internal_error: 'Something went wrong on our side. Try again; if it keeps happening, tell a supervisor.',
};

const NETWORK = 'Cannot reach the server. Check your connection and try again.';

function isProblem(value: unknown): value is Partial<Problem> {
  return typeof value === 'object' && value !== null && ('code' in value || 'title' in value || 'detail' in value);
}

/** One sentence for any error: a problem document, a network failure, or anything else. */
export function problemMessage(error: unknown): string {
  if (isProblem(error)) {
    const fields = error.errors?.map((e) => e.message).filter(Boolean) ?? [];
    if (error.code === 'validation_failed' && fields.length > 0) return `Some details are not valid: ${fields.join('; ')}.`;
    const known = error.code ? MESSAGES[error.code] : undefined;
    if (known) return known;
    if (error.detail) return sentence(error.detail);
    if (error.title) return sentence(error.title);
  }
  if (error instanceof TypeError) return NETWORK;
  return 'Something went wrong. Try again.';
}

/** The problem `code`, when there is one (for UI that reacts to a specific code). */
export function problemCode(error: unknown): string | undefined {
  return isProblem(error) ? error.code : undefined;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
