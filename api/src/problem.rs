//! Every problem code the API sends, with its HTTP status and title written
//! once ([`ProblemCode`]). The OpenAPI spec publishes the list as the string
//! enum `ProblemCode`, which the problem document's `code` references, so the
//! SPAs' message tables can be typed by it; the list in docs/api.md is checked
//! against it by a test.

use actix_web::http::StatusCode;

/// Declares [`ProblemCode`]: each code once, with its status and title.
macro_rules! problem_codes {
    ($($(#[$doc:meta])* $variant:ident = ($code:literal, $status:ident, $title:literal),)+) => {
        /// A problem's stable machine `code`: clients switch on it. Each code
        /// always answers the same HTTP status, with the same title.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ProblemCode {
            $($(#[$doc])* $variant,)+
        }

        impl ProblemCode {
            /// Every code, in the order they are declared.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)+];

            /// The code as sent: `link_expired`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $code,)+
                }
            }

            /// The HTTP status every problem with this code answers.
            pub const fn status(self) -> StatusCode {
                match self {
                    $(ProblemCode::$variant => StatusCode::$status,)+
                }
            }

            /// The problem's `title`: a short summary that does not change
            /// from occurrence to occurrence (RFC 9457, section 3.1.3).
            pub const fn title(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $title,)+
                }
            }
        }
    };
}

problem_codes! {
    // 400: the request cannot be read as sent.
    /// The body is not JSON.
    MalformedJson = ("malformed_json", BAD_REQUEST, "Malformed JSON"),
    /// The query string does not parse.
    InvalidQuery = ("invalid_query", BAD_REQUEST, "Invalid query"),
    /// A money-moving POST without an `Idempotency-Key` header.
    IdempotencyKeyRequired = ("idempotency_key_required", BAD_REQUEST, "Idempotency key required"),
    /// An `Idempotency-Key` that is not 1–255 visible ASCII characters.
    InvalidIdempotencyKey = ("invalid_idempotency_key", BAD_REQUEST, "Invalid idempotency key"),
    /// No `Payment-Link-Token` header.
    LinkTokenRequired = ("link_token_required", BAD_REQUEST, "Link token required"),
    /// No `Receipt-Reference` header.
    ReceiptReferenceRequired = ("receipt_reference_required", BAD_REQUEST, "Receipt reference required"),
    /// A webhook whose signature is missing or wrong.
    InvalidSignature = ("invalid_signature", BAD_REQUEST, "Invalid signature"),
    /// A signed webhook whose body is not an event.
    MalformedEvent = ("malformed_event", BAD_REQUEST, "Malformed event"),
    // 401, 403
    /// No valid session: sign in (again).
    Unauthorized = ("unauthorized", UNAUTHORIZED, "Unauthorized"),
    /// Signed in, but not allowed to do this.
    Forbidden = ("forbidden", FORBIDDEN, "Forbidden"),
    /// An API key without the scope this operation needs (docs/api.md,
    /// "Integrations"); the name is OAuth 2.0's (RFC 6750, section 3.1).
    InsufficientScope = ("insufficient_scope", FORBIDDEN, "Insufficient scope"),
    // 402: the card was refused; no money was taken.
    /// Declined by the bank, for no reason we tell apart.
    CardDeclined = ("card_declined", PAYMENT_REQUIRED, "Card declined"),
    /// Declined for insufficient funds.
    InsufficientFunds = ("insufficient_funds", PAYMENT_REQUIRED, "Insufficient funds"),
    /// The card has expired (also the sandbox's refusal to tokenize one).
    ExpiredCard = ("expired_card", PAYMENT_REQUIRED, "Expired card"),
    /// The security code is wrong.
    IncorrectCvc = ("incorrect_cvc", PAYMENT_REQUIRED, "Incorrect CVC"),
    /// The gateway could not process the payment.
    ProcessingError = ("processing_error", PAYMENT_REQUIRED, "Processing error"),
    /// The gateway did not accept the card details (token).
    PaymentMethodInvalid = ("payment_method_invalid", PAYMENT_REQUIRED, "Payment method invalid"),
    /// The bank wants the cardholder to confirm (3-D Secure).
    AuthenticationRequired = ("authentication_required", PAYMENT_REQUIRED, "Authentication required"),
    /// The bank did not accept the cardholder's 3-D Secure confirmation.
    AuthenticationFailed = ("authentication_failed", PAYMENT_REQUIRED, "Authentication failed"),
    // 404
    /// No such resource (path).
    NotFound = ("not_found", NOT_FOUND, "Not found"),
    ClientNotFound = ("client_not_found", NOT_FOUND, "Client not found"),
    VehicleNotFound = ("vehicle_not_found", NOT_FOUND, "Vehicle not found"),
    CardNotFound = ("card_not_found", NOT_FOUND, "Card not found"),
    InvoiceNotFound = ("invoice_not_found", NOT_FOUND, "Invoice not found"),
    /// No link has this token (or it is malformed).
    LinkNotFound = ("link_not_found", NOT_FOUND, "Link not found"),
    /// No payment of the signed-in client has this id.
    PaymentNotFound = ("payment_not_found", NOT_FOUND, "Payment not found"),
    /// No receipt has this reference, or no receipt with this id is the
    /// caller's, or the payment has none (it has not succeeded).
    ReceiptNotFound = ("receipt_not_found", NOT_FOUND, "Receipt not found"),
    // 409: the state changed; look again.
    /// The total due is not the one confirmed.
    QuoteChanged = ("quote_changed", CONFLICT, "Quote changed"),
    /// Another payment of this link is being made.
    PaymentInProgress = ("payment_in_progress", CONFLICT, "Payment in progress"),
    /// A request with this `Idempotency-Key` is still running.
    RequestInProgress = ("request_in_progress", CONFLICT, "Request in progress"),
    /// The past due in the link was paid by another payment since it was sent.
    LinkOutdated = ("link_outdated", CONFLICT, "Link outdated"),
    /// The payer accepted a version of the usage terms (`terms_version`)
    /// that is no longer the current one (`domain::terms::is_current`):
    /// nothing was charged; the page shows the current terms and asks again.
    TermsVersionStale = ("terms_version_stale", CONFLICT, "Terms version stale"),
    /// "Text me a new link" on a link that can still be paid (or is being
    /// paid): only an expired link is renewed.
    LinkNotExpired = ("link_not_expired", CONFLICT, "Link not expired"),
    /// The sandbox bank's 3-D Secure step was already answered (or ended).
    AuthenticationAnswered = ("authentication_answered", CONFLICT, "Authentication answered"),
    /// Auto Pay charges this card: it cannot be removed.
    CardUsedByAutopay = ("card_used_by_autopay", CONFLICT, "Card used by Auto Pay"),
    /// Only a payment that succeeded can be refunded (this one is pending,
    /// failed, or held for review), and not while a dispute is open or after
    /// it was lost.
    PaymentNotRefundable = ("payment_not_refundable", CONFLICT, "Payment not refundable"),
    // 410: the payment link can no longer be paid.
    LinkExpired = ("link_expired", GONE, "Link expired"),
    /// Already paid.
    LinkUsed = ("link_used", GONE, "Link used"),
    LinkRevoked = ("link_revoked", GONE, "Link revoked"),
    // 413, 415
    /// The body is over 64 KiB.
    PayloadTooLarge = ("payload_too_large", PAYLOAD_TOO_LARGE, "Payload too large"),
    /// The body was not sent as `application/json`.
    UnsupportedMediaType = ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    // 422: a field is invalid, or a business rule refuses the request.
    /// Fields are invalid (see `errors`).
    ValidationFailed = ("validation_failed", UNPROCESSABLE_ENTITY, "Validation failed"),
    /// Monitor days other than 14 or 30.
    InvalidMonitorDays = ("invalid_monitor_days", UNPROCESSABLE_ENTITY, "Invalid monitor days"),
    /// A client's language other than `en` or `es`.
    InvalidLanguage = ("invalid_language", UNPROCESSABLE_ENTITY, "Invalid language"),
    /// A client search of fewer than 2 characters.
    QueryTooShort = ("query_too_short", UNPROCESSABLE_ENTITY, "Query too short"),
    /// The location has no price for this period.
    PriceNotConfigured = ("price_not_configured", UNPROCESSABLE_ENTITY, "Price not configured"),
    /// The client has no vehicle to pay for.
    NoVehicles = ("no_vehicles", UNPROCESSABLE_ENTITY, "No vehicles"),
    /// The total due is zero (the client's credit covers the period): nothing
    /// is charged and no link is sent; a supervisor can apply the credit.
    NothingToPay = ("nothing_to_pay", UNPROCESSABLE_ENTITY, "Nothing to pay"),
    /// The client's credit does not cover the whole period, so it cannot pay
    /// for it alone (it lowers the quote a card pays instead); or a credit
    /// refund asks for more than the client's credit.
    CreditInsufficient = ("credit_insufficient", UNPROCESSABLE_ENTITY, "Credit insufficient"),
    /// The payer did not accept the terms.
    TermsNotAccepted = ("terms_not_accepted", UNPROCESSABLE_ENTITY, "Terms not accepted"),
    /// A payment that accepts the usage terms names no `terms_version`: the
    /// version read and accepted is recorded with every such payment.
    TermsVersionRequired = ("terms_version_required", UNPROCESSABLE_ENTITY, "Terms version required"),
    InvalidPhone = ("invalid_phone", UNPROCESSABLE_ENTITY, "Invalid phone"),
    /// A number we do not text (toll-free, premium, another country).
    PhoneNotAllowed = ("phone_not_allowed", UNPROCESSABLE_ENTITY, "Phone not allowed"),
    /// The phone answered STOP to our texts: nothing is sent to it until it
    /// answers START (Twilio would refuse the message anyway, error 21610).
    PhoneOptedOut = ("phone_opted_out", UNPROCESSABLE_ENTITY, "Phone opted out"),
    LocationNotAcceptingPayments = ("location_not_accepting_payments", UNPROCESSABLE_ENTITY, "Location not accepting payments"),
    /// This `Idempotency-Key` was used for a different request.
    IdempotencyKeyReused = ("idempotency_key_reused", UNPROCESSABLE_ENTITY, "Idempotency key reused"),
    /// Neither (or both) of `card_id` and `payment_token`.
    PaymentMethodRequired = ("payment_method_required", UNPROCESSABLE_ENTITY, "Payment method required"),
    /// Auto Pay with a new card that is not saved.
    AutopayNeedsSavedCard = ("autopay_needs_saved_card", UNPROCESSABLE_ENTITY, "Auto Pay needs a saved card"),
    /// Auto Pay turned on without a card.
    CardRequired = ("card_required", UNPROCESSABLE_ENTITY, "Card required"),
    /// Sandbox tokenization: the number fails its check digit.
    InvalidCardNumber = ("invalid_card_number", UNPROCESSABLE_ENTITY, "Invalid card number"),
    /// Sandbox tokenization: the expiry is not a month and year.
    InvalidExpiry = ("invalid_expiry", UNPROCESSABLE_ENTITY, "Invalid expiry"),
    /// Sandbox tokenization: the CVC is not 3 or 4 digits.
    InvalidCvc = ("invalid_cvc", UNPROCESSABLE_ENTITY, "Invalid CVC"),
    /// Sandbox tokenization: only the documented test cards.
    TestCardRequired = ("test_card_required", UNPROCESSABLE_ENTITY, "Test card required"),
    /// The refund is more than is left to refund of the payment.
    RefundExceedsPayment = ("refund_exceeds_payment", UNPROCESSABLE_ENTITY, "Refund exceeds payment"),
    /// No payment of the client made in the last 180 days can take the
    /// credit back to its card (none succeeded through the gateway, or none
    /// has that much left to refund, or its dispute forbids a refund).
    CreditNotRefundable = ("credit_not_refundable", UNPROCESSABLE_ENTITY, "Credit not refundable"),
    /// The gateway could not make the refund (nothing was given back).
    RefundFailed = ("refund_failed", UNPROCESSABLE_ENTITY, "Refund failed"),
    // 429, 500, 503
    /// Too many requests: wait for `Retry-After`.
    RateLimited = ("rate_limited", TOO_MANY_REQUESTS, "Rate limited"),
    /// Something failed on our side; details are in our logs only.
    InternalError = ("internal_error", INTERNAL_SERVER_ERROR, "Internal error"),
    /// A dependency is briefly down: retry after `Retry-After`.
    ServiceUnavailable = ("service_unavailable", SERVICE_UNAVAILABLE, "Service unavailable"),
}

impl ProblemCode {
    /// The code of a card the gateway refused (one of
    /// [`crate::gateway::DECLINE_CODES`], or what we keep of a refused
    /// request): `card_declined` for anything we do not tell apart.
    pub fn of_decline(code: &str) -> ProblemCode {
        match code {
            "insufficient_funds" => ProblemCode::InsufficientFunds,
            "expired_card" => ProblemCode::ExpiredCard,
            "incorrect_cvc" => ProblemCode::IncorrectCvc,
            "processing_error" => ProblemCode::ProcessingError,
            "payment_method_invalid" => ProblemCode::PaymentMethodInvalid,
            "authentication_required" => ProblemCode::AuthenticationRequired,
            "authentication_failed" => ProblemCode::AuthenticationFailed,
            _ => ProblemCode::CardDeclined,
        }
    }
}

/// As sent (`invalid_cvc`), so that log lines carry the code clients see.
impl std::fmt::Debug for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_sent_as_declared_and_once() {
        let mut seen = std::collections::HashSet::new();
        for code in ProblemCode::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    #[test]
    fn every_decline_code_has_its_problem() {
        for code in crate::gateway::DECLINE_CODES {
            assert_eq!(ProblemCode::of_decline(code).as_str(), code);
            assert_eq!(
                ProblemCode::of_decline(code).status(),
                StatusCode::PAYMENT_REQUIRED
            );
        }
    }

    /// docs/api.md lists every code the API sends, under its status, and
    /// nothing else.
    #[test]
    fn the_readme_lists_exactly_these_codes() {
        let readme = include_str!("../../docs/api.md");
        let start = readme
            .find("<!-- problem-codes -->")
            .expect("docs/api.md marks its list of problem codes");
        let end = readme[start..]
            .find("<!-- /problem-codes -->")
            .expect("the list of problem codes in docs/api.md ends")
            + start;
        let mut listed = std::collections::BTreeMap::new();
        for row in readme[start..end].lines() {
            let mut cells = row.split('|').map(str::trim).filter(|c| !c.is_empty());
            let Some(Ok(status)) = cells.next().map(str::parse::<u16>) else {
                continue;
            };
            for code in cells.flat_map(|c| c.split('`').skip(1).step_by(2)) {
                listed.insert(code.to_owned(), status);
            }
        }
        let codes: std::collections::BTreeMap<String, u16> = ProblemCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.status().as_u16()))
            .collect();
        assert_eq!(
            listed, codes,
            "docs/api.md's table of problem codes (between its problem-codes markers) differs from ProblemCode"
        );
    }
}
