/**
 * Every API error in words, keyed by the RFC 9457 problem `code` (docs/api.md). Both apps show
 * errors only through `problemMessage`, so a code has the same words everywhere.
 */
import type { components } from './api/schema';

/**
 * An RFC 9457 problem document as the API answers it (`application/problem+json`). Its `code` is read as any
 * string: a newer API may send a code this build does not know yet.
 */
export type Problem = Omit<components['schemas']['Problem'], 'code'> & { code?: string };

/**
 * Every problem `code` the API sends: the spec's `ProblemCode` enum (`api/src/problem.rs`). A code the API adds
 * fails this build until `MESSAGES` has words for it.
 */
export type ProblemCode = components['schemas']['ProblemCode'];

/** The code of a request that got no answer at all (offline, DNS, a dropped connection): never sent by the API. */
export const NETWORK_ERROR = 'network_error';

/** A language the apps are written in: the client's (`en`, `es`), as the API sends it. */
export type Language = components['schemas']['Language'];

/** What staff and clients alike read for each code: a new code fails the build until it has words here. */
const MESSAGES: Record<ProblemCode, string> = {
  validation_failed: 'Some details are not valid. Check them and try again.',
  malformed_json: 'The request could not be read. Reload the page and try again.',
  unsupported_media_type: 'The request could not be read. Reload the page and try again.',
  payload_too_large: 'The request was too large.',
  invalid_query: 'Search by a name or a phone number.',
  query_too_short: 'Type at least 2 characters to search.',
  invalid_monitor_days: 'Choose 14 or 30 monitor days.',
  invalid_language: 'Choose English or Spanish.',
  unauthorized: 'Your session has expired. Please sign in again.',
  forbidden: 'Your role is not allowed to do this.',
  insufficient_scope: 'This API key is not allowed to do this: it lacks the scope.',
  not_found: 'That record was not found.',
  client_not_found: 'That client was not found.',
  vehicle_not_found: 'That vehicle was not found for this client.',
  no_vehicles: 'There is no vehicle to pay for.',
  price_not_configured: 'This location has no price for that period.',
  card_not_found: 'That card is no longer on file. Choose another card.',
  invoice_not_found: 'That invoice was not found.',
  link_token_required: 'This payment link was not found. Open the whole link from the text message.',
  link_not_found: 'This payment link was not found. Open the whole link from the text message.',
  link_expired: 'This payment link has expired.',
  link_used: 'This payment link has already been used to pay. It does not need to be paid again.',
  // A revoked link may have been cancelled with no replacement: never send the payer looking for a newer one.
  link_revoked: 'This payment link was cancelled and can no longer be paid. Nothing was charged.',
  link_not_expired: 'This payment link can still be paid: a new one is sent only once it has expired.',
  link_outdated:
    'This payment link is out of date: the account was paid another way since it was sent. Nothing was charged. A new link is needed.',
  nothing_to_pay: "Nothing is due: the client's credit covers this period. A supervisor can apply it.",
  credit_insufficient:
    "The client's credit is not enough for this: it does not cover the whole period (it lowers the amount to pay instead), or it is less than the amount to refund.",
  terms_not_accepted: 'Please accept the terms to pay.',
  terms_version_stale: 'Our terms have changed since you accepted them. Nothing was charged. Please read and accept the new terms to pay.',
  terms_version_required: 'The terms have not loaded yet. Nothing was charged. Reload the page and try again.',
  invalid_phone: 'That phone number is not valid. Use a 10-digit US number, e.g. (512) 555-0143.',
  phone_not_allowed: 'Payment links go to US and Canadian numbers only, not toll-free or premium-rate ones.',
  phone_opted_out: 'This phone opted out of texts (it answered STOP). Ask the client to text START to our number, or call them.',
  location_not_accepting_payments:
    'This location does not accept payments online. Payment must be made at the location; call us for help.',
  idempotency_key_required: 'The request could not be read. Reload the page and try again.',
  invalid_idempotency_key: 'The request could not be read. Reload the page and try again.',
  idempotency_key_reused: 'The details changed during this attempt. Try again.',
  request_in_progress: 'The same request is still being processed. Wait a moment before trying again.',
  quote_changed: 'What is due changed since it was shown: the amount, or the period it pays (another payment paid that one). Review the new summary and confirm again.',
  payment_in_progress: 'A payment for this is already being processed. Wait a moment before trying again.',
  card_declined: 'The card was declined. Nothing was charged. Try another card.',
  insufficient_funds: 'The card was declined for insufficient funds. Nothing was charged. Try another card.',
  expired_card: 'The card has expired. Nothing was charged. Try another card.',
  incorrect_cvc: 'The security code did not match. Nothing was charged. Check it or try another card.',
  processing_error: 'The card could not be processed. Nothing was charged. Try again or use another card.',
  payment_method_invalid: 'This card cannot be used. Nothing was charged. Try another card.',
  authentication_required:
    'The bank wants the cardholder to confirm this payment, and it was not confirmed. Nothing was charged. Pay on the secure payment page or in My Account, where the bank can ask the cardholder, or use another card.',
  // Only a payer on our pages is asked by their bank (charges made by staff or Auto Pay never are): their words.
  authentication_failed: 'Your bank did not confirm this payment. Nothing was charged. Try again or use another card.',
  authentication_answered: 'The bank’s confirmation step for this payment has already ended. Wait a moment for the result.',
  payment_not_found: 'That payment was not found.',
  receipt_reference_required: 'This receipt was not found. Open the whole receipt link.',
  receipt_not_found: 'This receipt was not found. Sign in to My Account to see all your receipts.',
  payment_method_required: 'Choose a card to pay with.',
  autopay_needs_saved_card: 'Auto Pay needs a card on file.',
  card_required: 'Choose a card to pay with.',
  card_used_by_autopay: 'That card is used by Auto Pay and cannot be removed.',
  payment_not_refundable: 'Only a payment that went through can be refunded.',
  refund_exceeds_payment: 'The refund is more than is left to refund of this payment. Reload the history to see what is left.',
  credit_not_refundable:
    "No payment of the last 180 days can take this credit back to its card. Refund less, or let the credit lower the next payment.",
  refund_failed: 'The card processor could not make the refund. Nothing was given back.',
  invalid_card_number: 'The card number is not valid.',
  invalid_expiry: 'The expiry date is not valid.',
  invalid_cvc: 'The security code is not valid.',
  test_card_required: 'This test system accepts only test cards.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
  invalid_signature: 'The request could not be read. Reload the page and try again.',
  malformed_event: 'The request could not be read. Reload the page and try again.',
  service_unavailable: 'The service is busy. Try again in a moment.',
  internal_error: 'Something went wrong on our side. Try again in a moment.',
};

/**
 * The same words in Spanish, for clients who read Spanish (My Account follows the client's language; usted form).
 * Typed like `MESSAGES`: a new code fails the build until it has Spanish words too.
 */
const MESSAGES_ES: Record<ProblemCode, string> = {
  validation_failed: 'Algunos datos no son válidos. Revíselos e inténtelo de nuevo.',
  malformed_json: 'No se pudo leer la solicitud. Vuelva a cargar la página e inténtelo de nuevo.',
  unsupported_media_type: 'No se pudo leer la solicitud. Vuelva a cargar la página e inténtelo de nuevo.',
  payload_too_large: 'La solicitud era demasiado grande.',
  invalid_query: 'Busque por nombre o por número de teléfono.',
  query_too_short: 'Escriba al menos 2 caracteres para buscar.',
  invalid_monitor_days: 'Elija 14 o 30 días de monitoreo.',
  invalid_language: 'Elija inglés o español.',
  unauthorized: 'Su sesión ha vencido. Vuelva a iniciar sesión.',
  forbidden: 'Su función no le permite hacer esto.',
  insufficient_scope: 'Esta clave de API no tiene permiso para hacer esto.',
  not_found: 'No se encontró ese registro.',
  client_not_found: 'No se encontró ese cliente.',
  vehicle_not_found: 'No se encontró ese vehículo para este cliente.',
  no_vehicles: 'No hay ningún vehículo que pagar.',
  price_not_configured: 'Esta oficina no tiene precio para ese período.',
  card_not_found: 'Esa tarjeta ya no está registrada. Elija otra tarjeta.',
  invoice_not_found: 'No se encontró esa factura.',
  link_token_required: 'No se encontró este enlace de pago. Abra el enlace completo del mensaje de texto.',
  link_not_found: 'No se encontró este enlace de pago. Abra el enlace completo del mensaje de texto.',
  link_expired: 'Este enlace de pago ha vencido.',
  link_not_expired: 'Este enlace de pago todavía se puede pagar: solo se envía uno nuevo cuando haya vencido.',
  link_used: 'Este enlace de pago ya se usó para pagar. No es necesario pagarlo otra vez.',
  link_revoked: 'Este enlace de pago fue cancelado y ya no se puede pagar. No se cobró nada.',
  link_outdated:
    'Este enlace de pago ya no está al día: la cuenta se pagó de otra forma después de enviarlo. No se cobró nada. Se necesita un enlace nuevo.',
  nothing_to_pay: 'No hay nada que pagar: el crédito del cliente cubre este período. Un supervisor puede aplicarlo.',
  credit_insufficient:
    'El crédito del cliente no alcanza para esto: no cubre todo el período (en cambio, reduce el monto a pagar) o es menor que el monto a reembolsar.',
  terms_not_accepted: 'Acepte los términos para pagar.',
  terms_version_stale: 'Nuestros términos cambiaron después de que usted los aceptó. No se cobró nada. Lea y acepte los términos nuevos para pagar.',
  terms_version_required: 'Los términos aún no se han cargado. No se cobró nada. Vuelva a cargar la página e inténtelo de nuevo.',
  invalid_phone: 'Ese número de teléfono no es válido. Use un número de EE. UU. de 10 dígitos, p. ej. (512) 555-0143.',
  phone_not_allowed: 'Los enlaces de pago se envían solo a números de EE. UU. y Canadá, no a números gratuitos ni de tarifa especial.',
  phone_opted_out: 'Este teléfono dejó de recibir mensajes (respondió STOP). Para volver a recibirlos, envíe START a nuestro número, o llámenos.',
  location_not_accepting_payments:
    'Esta oficina no acepta pagos en línea. El pago se hace en la oficina; llámenos si necesita ayuda.',
  idempotency_key_required: 'No se pudo leer la solicitud. Vuelva a cargar la página e inténtelo de nuevo.',
  invalid_idempotency_key: 'No se pudo leer la solicitud. Vuelva a cargar la página e inténtelo de nuevo.',
  idempotency_key_reused: 'Los datos cambiaron durante este intento. Inténtelo de nuevo.',
  request_in_progress: 'La misma solicitud todavía se está procesando. Espere un momento antes de volver a intentarlo.',
  quote_changed: 'Lo que se debe cambió desde que se mostró: el monto, o el período que paga (otro pago ya pagó ese). Revise el resumen nuevo y vuelva a confirmar.',
  payment_in_progress: 'Ya se está procesando un pago para esto. Espere un momento antes de volver a intentarlo.',
  card_declined: 'La tarjeta fue rechazada. No se cobró nada. Pruebe con otra tarjeta.',
  insufficient_funds: 'La tarjeta fue rechazada por fondos insuficientes. No se cobró nada. Pruebe con otra tarjeta.',
  expired_card: 'La tarjeta está vencida. No se cobró nada. Pruebe con otra tarjeta.',
  incorrect_cvc: 'El código de seguridad no coincide. No se cobró nada. Revíselo o pruebe con otra tarjeta.',
  processing_error: 'No se pudo procesar la tarjeta. No se cobró nada. Inténtelo de nuevo o use otra tarjeta.',
  payment_method_invalid: 'Esta tarjeta no se puede usar. No se cobró nada. Pruebe con otra tarjeta.',
  authentication_required:
    'El banco quiere que el titular de la tarjeta confirme este pago, y no se confirmó. No se cobró nada. Pague en la página de pago seguro o en My Account, donde el banco puede preguntarle al titular, o use otra tarjeta.',
  authentication_failed: 'Su banco no confirmó este pago. No se cobró nada. Inténtelo de nuevo o use otra tarjeta.',
  authentication_answered: 'El paso de confirmación del banco para este pago ya terminó. Espere un momento para ver el resultado.',
  payment_not_found: 'No se encontró ese pago.',
  receipt_reference_required: 'No se encontró este recibo. Abra el enlace completo del recibo.',
  receipt_not_found: 'No se encontró este recibo. Inicie sesión en My Account para ver todos sus recibos.',
  payment_method_required: 'Elija una tarjeta para pagar.',
  autopay_needs_saved_card: 'Auto Pay necesita una tarjeta registrada.',
  card_required: 'Elija una tarjeta para pagar.',
  card_used_by_autopay: 'Auto Pay usa esa tarjeta, así que no se puede quitar.',
  payment_not_refundable: 'Solo se puede reembolsar un pago que se completó.',
  refund_exceeds_payment: 'El reembolso es mayor que lo que queda por reembolsar de este pago. Vuelva a cargar el historial para ver lo que queda.',
  credit_not_refundable:
    'Ningún pago de los últimos 180 días puede devolver este crédito a su tarjeta. Reembolse menos, o deje que el crédito reduzca el próximo pago.',
  refund_failed: 'El procesador de tarjetas no pudo hacer el reembolso. No se devolvió nada.',
  invalid_card_number: 'El número de tarjeta no es válido.',
  invalid_expiry: 'La fecha de vencimiento no es válida.',
  invalid_cvc: 'El código de seguridad no es válido.',
  test_card_required: 'Este sistema de prueba solo acepta tarjetas de prueba.',
  rate_limited: 'Demasiados intentos. Espere un minuto e inténtelo de nuevo.',
  invalid_signature: 'No se pudo leer la solicitud. Vuelva a cargar la página e inténtelo de nuevo.',
  malformed_event: 'No se pudo leer la solicitud. Vuelva a cargar la página e inténtelo de nuevo.',
  service_unavailable: 'El servicio está ocupado. Inténtelo de nuevo en un momento.',
  internal_error: 'Algo salió mal de nuestro lado. Inténtelo de nuevo en un momento.',
};

/** Every message table, by language. */
const TABLES: Record<Language, Record<ProblemCode, string>> = { en: MESSAGES, es: MESSAGES_ES };

/** The fallbacks, by language: no answer at all, and anything else. */
const FALLBACKS: Record<Language, { network: string; unknown: string; invalid: string }> = {
  en: {
    network: 'Cannot reach the server. Check your connection and try again.',
    unknown: 'Something went wrong. Try again.',
    invalid: 'Some details are not valid:',
  },
  es: {
    network: 'No se puede conectar con el servidor. Revise su conexión e inténtelo de nuevo.',
    unknown: 'Algo salió mal. Inténtelo de nuevo.',
    invalid: 'Algunos datos no son válidos:',
  },
};

/** Codes that mean the card was refused (402) and nothing was charged: another card may work. */
export const declineCodes: ReadonlySet<string> = new Set<ProblemCode>([
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'incorrect_cvc',
  'processing_error',
  'payment_method_invalid',
  'authentication_required',
  'authentication_failed',
]);

/**
 * A failed API call: the HTTP status (0 when no answer came), the problem `code` (`network_error` when no
 * answer came) and the problem document itself. `message` is the problem's `detail`, for logs, never shown.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly problem: Partial<Problem> = {},
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

function isProblem(value: unknown): value is Partial<Problem> {
  return typeof value === 'object' && value !== null && ('code' in value || 'title' in value || 'detail' in value);
}

function isKnown(code: string): code is ProblemCode {
  // Not Object.hasOwn: phones on Safari before 15.4 lack it.
  return Object.prototype.hasOwnProperty.call(MESSAGES, code);
}

/** The problem `code` of a caught error: the API's, `network_error` when no answer came, else `internal_error`. */
export function errorCode(error: unknown): string {
  if (error instanceof ApiError) return error.code;
  if (isProblem(error) && error.code) return error.code;
  if (error instanceof TypeError) return NETWORK_ERROR; // fetch's own failure
  return 'internal_error';
}

/**
 * One sentence for anything that went wrong, in `language` (English unless given): a caught error (an
 * `ApiError`, fetch's `TypeError`), a problem document, or a problem code. A known code has its words; a
 * validation problem lists its fields; a code this app does not know yet (a newer API) falls back to the
 * problem's own `detail`, then its `title` (the API's English). Never raw JSON.
 */
export function problemMessage(error: unknown, language: Language = 'en'): string {
  const messages = TABLES[language];
  const { network, unknown, invalid } = FALLBACKS[language];
  if (typeof error === 'string') return error === NETWORK_ERROR ? network : isKnown(error) ? messages[error] : unknown;
  const problem = error instanceof ApiError ? { ...error.problem, code: error.code, detail: error.message } : error;
  if (isProblem(problem)) {
    const fields = problem.errors?.map((e) => e.message).filter(Boolean) ?? [];
    if (problem.code === 'validation_failed' && fields.length > 0) return `${invalid} ${fields.join('; ')}.`;
    if (problem.code === NETWORK_ERROR) return network;
    if (problem.code && isKnown(problem.code)) return messages[problem.code];
    if (problem.detail) return sentence(problem.detail);
    if (problem.title) return sentence(problem.title);
  }
  if (error instanceof TypeError) return network;
  return unknown;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
