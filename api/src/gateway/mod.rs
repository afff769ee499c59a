//! Payment gateways. Card numbers never reach our API in production: the
//! browser hands the card to the gateway and we receive a single-use token.
//! Every charge carries its [`ChargeKey`] as the gateway's idempotency key,
//! so the gateway charges at most once per key however often we ask.

pub mod sandbox;
pub mod stripe;

use crate::domain::{Captured, Cents, ChargeKey, ChargeParams};
use async_trait::async_trait;
use serde::Serialize;
use utoipa::ToSchema;

pub use sandbox::SandboxGateway;
pub use stripe::StripeGateway;

/// What is charged: a single-use token from client-side tokenization, or a
/// card saved at the gateway (its opaque reference, never a number).
#[derive(Clone, Copy, Debug)]
pub enum PaymentSource<'a> {
    SingleUse(&'a str),
    Saved(&'a str),
}

/// One charge. Its `charge_key` is ours and stable across retries.
#[derive(Clone, Debug)]
pub struct ChargeRequest<'a> {
    pub amount: Cents,
    pub source: PaymentSource<'a>,
    /// Sent as the gateway's idempotency key.
    pub charge_key: &'a ChargeKey,
    pub description: &'a str,
    /// The client is not present (staff-taken, Auto Pay): no 3-D Secure prompt.
    pub off_session: bool,
    /// Keep a single-use card for this gateway customer when the charge
    /// succeeds ([`ChargeOutcome::Succeeded::saved`]).
    pub save_to_customer: Option<&'a str>,
}

impl<'a> ChargeRequest<'a> {
    /// The charge `params` describe, of `amount` under `charge_key`:
    /// the first request, and the same request repeated by the status sync.
    pub fn new(params: &'a ChargeParams, amount: Cents, charge_key: &'a ChargeKey) -> Self {
        ChargeRequest {
            amount,
            source: if params.single_use {
                PaymentSource::SingleUse(&params.source)
            } else {
                PaymentSource::Saved(&params.source)
            },
            charge_key,
            description: &params.description,
            off_session: params.off_session,
            save_to_customer: params.save_to_customer.as_deref(),
        }
    }
}

/// The card a charge or saved card used, as the gateway describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CardDetails {
    #[schema(example = "visa")]
    pub brand: String,
    #[schema(example = "4242")]
    pub last4: String,
    #[schema(example = 12)]
    pub exp_month: i64,
    #[schema(example = 2030)]
    pub exp_year: i64,
}

/// The gateway's answer to a charge it processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded {
        reference: String,
        card: Option<CardDetails>,
        /// What the gateway says it took; `None` when it did not say (then the
        /// payment is held for review, see `domain::capture_mismatch`).
        captured: Option<Captured>,
        /// The card kept on file, when the request asked for it.
        saved: Option<SavedCard>,
    },
    /// The bank or the gateway refused; `code` is one of [`DECLINE_CODES`] or
    /// `card_declined` for anything else.
    Declined {
        code: String,
        reference: Option<String>,
    },
    /// The bank asks the cardholder to authenticate (3-D Secure) before it
    /// answers; nothing is taken yet. Only ever the answer to an on-session
    /// request (the payer is on our page): the browser completes the
    /// challenge with `client_secret` (Stripe.js `handleNextAction`), then
    /// our API asks the gateway for the outcome of `reference`
    /// ([`PaymentGateway::retrieve`]). A charge made without the cardholder
    /// (`off_session`) that needs authentication is declined
    /// (`authentication_required`) instead.
    RequiresAction {
        /// The gateway's id of the charge (Stripe: the PaymentIntent `pi_…`).
        reference: String,
        client_secret: ClientSecret,
    },
}

/// The secret that lets the payer's browser complete one charge's next
/// action (Stripe: the PaymentIntent's `client_secret`). Handed to that
/// browser only: never logged (`Debug` is redacted), never put in a URL,
/// and never stored (see `routes::payments::NextAction`).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(secret: impl Into<String>) -> ClientSecret {
        ClientSecret(secret.into())
    }

    /// The secret itself, for the answer to the payer's browser.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

/// Decline codes we tell apart; anything else is reported as `card_declined`.
/// `authentication_required`: the bank asked the cardholder to confirm
/// (3-D Secure), which a charge made without them cannot do, or which the
/// payer left unfinished (Stripe: PaymentIntent status `requires_action`,
/// decline code `authentication_required`). `authentication_failed`: the
/// cardholder was asked and the bank did not accept their answer (Stripe:
/// error code `payment_intent_authentication_failure`).
pub const DECLINE_CODES: [&str; 7] = [
    "card_declined",
    "insufficient_funds",
    "expired_card",
    "incorrect_cvc",
    "processing_error",
    "authentication_required",
    "authentication_failed",
];

/// A decline code of [`DECLINE_CODES`] as people read it in the Client Log
/// ("… was declined: the bank said there were not enough funds"), so staff
/// never read a raw code (issue 18, "One content style"). Any other code is
/// a plain decline.
pub fn decline_words(code: &str) -> &'static str {
    match code {
        "insufficient_funds" => "the bank said there were not enough funds",
        "expired_card" => "the card has expired",
        "incorrect_cvc" => "the security code was wrong",
        "processing_error" => "the card processor had an error; trying again may work",
        "authentication_required" => "the bank wanted the cardholder to confirm the payment",
        "authentication_failed" => "the cardholder's bank did not confirm the payment",
        _ => "the bank declined the card",
    }
}

/// Normalises a gateway's decline code to one of [`DECLINE_CODES`].
pub fn decline_code(code: &str) -> String {
    if DECLINE_CODES.contains(&code) {
        code
    } else {
        "card_declined"
    }
    .to_owned()
}

/// A card saved at the gateway for later charges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedCard {
    pub gateway_token: String,
    pub card: CardDetails,
    /// The gateway's fingerprint of the card number (Stripe:
    /// `PaymentMethod.card.fingerprint`), the same for every saved copy of
    /// one number; how a card already on file is recognised.
    pub fingerprint: Option<String>,
}

/// One refund of money a charge captured.
#[derive(Clone, Debug)]
pub struct RefundRequest<'a> {
    /// The charge's gateway reference (Stripe: the PaymentIntent `pi_…`).
    pub charge_reference: &'a str,
    /// What to give back, in cents (> 0; the caller keeps the sum of a
    /// payment's refunds within what it captured).
    pub amount: Cents,
    /// Ours, stable across retries: the gateway refunds at most once per key.
    pub idempotency_key: &'a str,
}

/// The gateway's answer to a refund it processed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The money is on its way back to the card.
    Succeeded { reference: String },
    /// Accepted but not final (Stripe: `pending`, or `requires_action`);
    /// its outcome arrives later by webhook or a status sync.
    Pending { reference: String },
    /// The refund could not be made (Stripe: `failed` or `canceled`, e.g.
    /// the card account is closed); `code` is the gateway's reason.
    Failed {
        reference: Option<String>,
        code: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// We could not learn the outcome (timeout, connection lost after
    /// sending): the charge may or may not have happened. Look it up by key.
    #[error("the gateway did not answer in time; outcome unknown")]
    OutcomeUnknown,
    /// The gateway refused the request itself (bad token, bad parameters):
    /// no charge happened.
    #[error("the gateway refused the request: {0}")]
    Rejected(String),
    /// The gateway could not be reached before anything was sent.
    #[error("the gateway is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait PaymentGateway: Send + Sync {
    /// `sandbox` or `stripe`.
    fn name(&self) -> &'static str;
    /// Charges once per `charge_key`: a repeated key returns the first outcome.
    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError>;
    /// The outcome of the charge made with `charge_key`, or `None` when
    /// the gateway has no charge with that key (yet: Stripe's search lags).
    /// A charge found waiting for the cardholder to authenticate is
    /// cancelled and reported declined (`authentication_required`): nobody
    /// can complete it, and left alone it would stay open.
    async fn lookup(&self, charge_key: &ChargeKey) -> Result<Option<ChargeOutcome>, GatewayError>;
    /// Creates the gateway's customer for our client `client_ref` (Stripe: a
    /// Customer, under an idempotency key naming the client, which Stripe
    /// keeps 24 hours only: the caller stores the id it gets on the client
    /// and asks again only when it has none, see `services::cards::gateway_customer`).
    async fn customer(&self, client_ref: &str) -> Result<String, GatewayError>;
    /// The outcome of the on-session charge `reference` (the reference of a
    /// [`ChargeOutcome::RequiresAction`]) as the gateway has it now:
    /// `RequiresAction` while the cardholder has not finished authenticating
    /// (with the client secret again, so the browser can resume), else
    /// `Succeeded` or `Declined` (`authentication_failed` when the bank
    /// refused the cardholder's answer). [`GatewayError::OutcomeUnknown`] while it is
    /// processing. Stripe: `GET /v1/payment_intents/{id}`.
    async fn retrieve(&self, reference: &str) -> Result<ChargeOutcome, GatewayError>;
    /// Cancels the on-session charge `reference` that waits for the
    /// cardholder (they left), and answers its final outcome: `Declined`
    /// (`authentication_required`) once cancelled, or, when the cardholder
    /// finished first and the gateway refuses to cancel, what they reached
    /// (`Succeeded`, say). Stripe: `POST /v1/payment_intents/{id}/cancel`.
    async fn cancel(&self, reference: &str) -> Result<ChargeOutcome, GatewayError>;
    /// Turns a single-use token into a saved card for the gateway customer
    /// `customer` (an id [`PaymentGateway::customer`] made), asking the bank
    /// once (Stripe: a confirmed SetupIntent for `off_session` use). A card
    /// the bank declines, or wants the cardholder to authenticate, is
    /// [`GatewayError::Rejected`] with that decline code
    /// (`authentication_required`, …).
    async fn save_card(
        &self,
        single_use_token: &str,
        customer: &str,
    ) -> Result<SavedCard, GatewayError>;
    /// Removes a saved card (its [`SavedCard::gateway_token`]) at the gateway,
    /// so it can never be charged again (Stripe: detach the PaymentMethod).
    async fn detach_card(&self, gateway_token: &str) -> Result<(), GatewayError>;
    /// Gives back `amount` of a captured charge, once per idempotency key
    /// (a repeated key is answered with the first refund). An answer that is
    /// lost is [`GatewayError::OutcomeUnknown`]: repeat the same request, or ask
    /// [`PaymentGateway::lookup_refund`].
    async fn refund(&self, request: &RefundRequest<'_>) -> Result<RefundOutcome, GatewayError>;
    /// The refund of `charge_reference` made with `idempotency_key`, or
    /// `None` when the gateway has none (Stripe: listed by PaymentIntent,
    /// which is read-after-write consistent, unlike search).
    async fn lookup_refund(
        &self,
        charge_reference: &str,
        idempotency_key: &str,
    ) -> Result<Option<RefundOutcome>, GatewayError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decline_code_has_words_and_none_shows_a_raw_code() {
        for code in DECLINE_CODES {
            let words = decline_words(code);
            assert!(!words.contains('_'), "{code}: {words}");
        }
        assert_eq!(
            decline_words("card_declined"),
            decline_words("do_not_honor")
        );
        assert_ne!(
            decline_words("insufficient_funds"),
            decline_words("card_declined")
        );
    }
}
