//! Payments: moving money. The payment row (with its [`ChargeKey`]) is
//! written before the gateway is called, the gateway is called with that key,
//! and the outcome is recorded by one conditional state change
//! ([`record_outcome`]). A retry reaches the same row and the same gateway
//! charge, so nothing is ever charged twice.
//!
//! The use cases: Take a Payment (staff, a card on file), Make a Payment (the
//! signed-in client), and the charge every other path shares (a payment link,
//! Auto Pay); the outcome the gateway reports later (a webhook, the status
//! sync in [`super::status_sync`]) is recorded here too.

use crate::domain::{
    capture_mismatch, Actor, Captured, Cents, ChargeKey, ChargeParams, Client, Language,
    MonitorDays, Payment, PaymentMethod, PaymentStatus, Quote, CURRENCY,
};
use crate::error::{ApiError, ApiResult, ProblemCode, CARD_NOT_FOUND};
use crate::gateway::{ChargeOutcome, ChargeRequest, ClientSecret, GatewayError};
use crate::services::quotes::{quote_for, QuoteSummary};
use crate::services::{cards, rate_limits, receipts};
use crate::state::AppState;
use crate::store::{
    ChargeableCard, Commit, NewCard, NewLogEntry, NewPayment, PaymentOutcome, StoreError,
};
use chrono::NaiveDate;
use uuid::Uuid;

/// What is charged: a card on file, or a single-use token from tokenization.
pub enum Source {
    Card(ChargeableCard),
    Token(String),
}

/// One payment to make.
pub struct Charge<'a> {
    pub client: &'a Client,
    pub vehicle_id: Uuid,
    pub quote: Quote,
    pub method: PaymentMethod,
    pub source: Source,
    pub actor: &'a Actor,
    /// Stable across retries of the same request (see [`ChargeKey`]).
    pub charge_key: ChargeKey,
    pub payment_link_id: Option<Uuid>,
    /// Words for the client log: "Take a Payment", "Auto Pay", …
    pub label: &'a str,
    /// How a success is committed: `Deferred` inside `idempotency::run`
    /// (see [`Commit`]), else `Durable`.
    pub commit: Commit,
    /// Keep a new card for this gateway customer if the charge succeeds.
    pub save_to_customer: Option<String>,
    /// The version of the usage terms the payer accepted, when the request
    /// carried one (a payment link's redeem).
    pub terms_version: Option<String>,
    /// The vehicle's paid-through date the quote was made from, as the payer
    /// was shown it or Auto Pay charges from (`Some(None)`: never paid): the
    /// payment is refused (`409 quote_changed`) when another one paid that
    /// period meanwhile ([`NewPayment::expected_paid_through`]). `None`: not
    /// stated (a link's payment has its own rule).
    pub expected_paid_through: Option<Option<NaiveDate>>,
}

/// "Visa •••• 4242", or "a card" when unknown.
pub fn card_words(brand: Option<&str>, last4: Option<&str>) -> String {
    match (brand, last4) {
        (Some(brand), Some(last4)) => {
            let mut brand = brand.to_owned();
            if let Some(first) = brand.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{brand} •••• {last4}")
        }
        // A new card the gateway declined before saying what it was.
        _ => "a card".into(),
    }
}

/// The payment in words for the Client Log: "Take a Payment of $176.49 with
/// Visa •••• 4242 by Alex Agent (staff)".
pub(crate) fn describe(label: &str, amount: Cents, payment: &Payment, actor: &Actor) -> String {
    let card = card_words(payment.card_brand.as_deref(), payment.card_last4.as_deref());
    format!("{label} of {amount} with {card} by {}", actor.by_words())
}

/// Makes (or resumes) the payment and returns it in its new state:
/// `succeeded` (with invoice), `failed` (with `failure_code`), or `unknown`/
/// `pending` when the gateway's answer is not known yet.
pub async fn charge(state: &AppState, charge: Charge<'_>) -> Result<Payment, StoreError> {
    charge_on_session(state, charge)
        .await
        .map(|(payment, _)| payment)
}

/// [`charge`], and when the bank asks the payer to authenticate (the
/// payment is `requires_action`), the client secret their browser completes
/// it with: for the answer to that browser only, never stored.
pub async fn charge_on_session(
    state: &AppState,
    charge: Charge<'_>,
) -> Result<(Payment, Option<ClientSecret>), StoreError> {
    let (card_id, brand, last4, single_use, source) = match &charge.source {
        Source::Card(c) => (
            Some(c.card.id),
            Some(c.card.brand.clone()),
            Some(c.card.last4.clone()),
            false,
            c.gateway_token.clone(),
        ),
        Source::Token(token) => (None, None, None, true, token.clone()),
    };
    let params = ChargeParams {
        single_use,
        source,
        description: format!(
            "{}: monitoring for client {}",
            charge.label, charge.client.id
        ),
        off_session: !matches!(charge.actor, Actor::Client { .. })
            && charge.payment_link_id.is_none(),
        save_to_customer: charge.save_to_customer.clone(),
    };
    let now = state.clock.now();
    let payment = state
        .store
        .insert_payment(&NewPayment {
            id: Uuid::new_v4(),
            client_id: charge.client.id,
            vehicle_id: charge.vehicle_id,
            payment_link_id: charge.payment_link_id,
            method: charge.method,
            card_id,
            card_brand: brand,
            card_last4: last4,
            gateway_key: charge.charge_key.to_string(),
            quote: charge.quote,
            charge_params: params.clone(),
            initiated_by: charge.actor.initiated_by(),
            terms_version: charge.terms_version.clone(),
            expected_paid_through: charge.expected_paid_through,
            now,
        })
        .await?;
    if !payment.status.is_open() {
        return Ok((payment, None));
    }
    // A retry reaches the payment its first try wrote: it repeats that
    // request exactly (the gateway refuses a key reused with other details).
    let params = payment.charge_params.clone().unwrap_or(params);
    let charge_key = payment.charge_key();
    let request = ChargeRequest::new(&params, payment.amount_cents, &charge_key);
    let outcome = state.gateway.charge(&request).await;
    let client_secret = match &outcome {
        Ok(ChargeOutcome::RequiresAction { client_secret, .. }) => Some(client_secret.clone()),
        _ => None,
    };
    let payment = record_outcome(
        state,
        payment,
        outcome,
        charge.label,
        charge.actor,
        charge.commit,
        Some(charge.client.language),
    )
    .await?;
    let client_secret = client_secret.filter(|_| payment.status == PaymentStatus::RequiresAction);
    Ok((payment, client_secret))
}

/// Records the outcome of a payment: what the gateway said about it, as one
/// conditional state change. A success creates the invoice and the receipt (and keeps the
/// card when asked); a decline or a refused request fails it; no answer
/// leaves it `unknown` (or `pending` when nothing reached the gateway) for
/// the status sync. `client_language` is the client's language when the
/// caller has read the client (their receipt text is written in it); `None`
/// reads it.
pub(crate) async fn record_outcome(
    state: &AppState,
    payment: Payment,
    outcome: Result<ChargeOutcome, GatewayError>,
    label: &str,
    actor: &Actor,
    commit: Commit,
    client_language: Option<Language>,
) -> Result<Payment, StoreError> {
    let now = state.clock.now();
    let amount = payment.amount_cents;
    match outcome {
        Ok(ChargeOutcome::Succeeded {
            reference,
            card,
            captured,
            saved,
        }) => {
            if let Some(reason) =
                capture_mismatch(payment.amount_cents, &payment.currency, captured.as_ref())
            {
                return hold(state, payment, &reference, captured, reason, label, actor).await;
            }
            let mut described = payment.clone();
            if described.card_last4.is_none() {
                described.card_brand = card.as_ref().map(|c| c.brand.clone());
                described.card_last4 = card.as_ref().map(|c| c.last4.clone());
            }
            let message = format!("{} succeeded", describe(label, amount, &described, actor));
            let saved_card = saved.map(|saved| {
                let words = card_words(Some(&saved.card.brand), Some(&saved.card.last4));
                let log = NewLogEntry::by(
                    actor,
                    payment.client_id,
                    format!("Card {words} saved on file by {}", actor.name()),
                );
                let card = NewCard {
                    id: Uuid::new_v4(),
                    client_id: payment.client_id,
                    gateway_token: saved.gateway_token,
                    brand: saved.card.brand,
                    last4: saved.card.last4,
                    exp_month: saved.card.exp_month,
                    exp_year: saved.card.exp_year,
                    fingerprint: saved.fingerprint,
                };
                (card, log)
            });
            let language = match client_language {
                Some(language) => language,
                None => state.store.client_language(payment.client_id).await?,
            };
            let outcome = PaymentOutcome {
                payment_id: payment.id,
                gateway_reference: reference,
                card,
                saved_card,
                log: NewLogEntry::by(actor, payment.client_id, message),
                now,
                commit,
                receipt: receipts::new_receipt(state, language, payment.amount_cents),
            };
            let new_card = outcome
                .saved_card
                .as_ref()
                .map(|(card, _)| (card.id, card.gateway_token.clone()));
            let recorded = state.store.record_payment_outcome(&outcome).await?;
            if recorded.status == PaymentStatus::Succeeded {
                // Its receipt text is queued: send it now.
                state.outbox_wakeup.notify_one();
            }
            // The card was on file already: the payment names that one, and
            // the gateway's new copy goes.
            if let Some((id, gateway_token)) = new_card {
                if recorded.card_id != Some(id) {
                    cards::detach_duplicate(state, &gateway_token).await;
                }
            }
            Ok(recorded)
        }
        Ok(ChargeOutcome::Declined { code, .. }) => {
            let code = crate::gateway::decline_code(&code);
            let message = format!(
                "{} was declined: {}",
                describe(label, amount, &payment, actor),
                crate::gateway::decline_words(&code)
            );
            state
                .store
                .fail_payment(
                    payment.id,
                    &code,
                    &NewLogEntry::by(actor, payment.client_id, message),
                    now,
                    None,
                )
                .await
        }
        Ok(ChargeOutcome::RequiresAction { reference, .. }) => {
            crate::services::card_authentication::await_authentication(
                state, payment, &reference, label, actor,
            )
            .await
        }
        Err(GatewayError::Rejected(reason)) => {
            tracing::warn!(payment_id = %payment.id, %reason, "gateway rejected the charge request");
            let message = format!(
                "{} could not be made: the card details were not accepted",
                describe(label, amount, &payment, actor)
            );
            state
                .store
                .fail_payment(
                    payment.id,
                    "payment_method_invalid",
                    &NewLogEntry::by(actor, payment.client_id, message),
                    now,
                    None,
                )
                .await
        }
        Err(GatewayError::OutcomeUnknown) => {
            tracing::warn!(payment_id = %payment.id, "gateway gave no answer; payment outcome unknown until the status sync learns it");
            state.store.mark_payment_unknown(payment.id, now).await?;
            Ok(Payment {
                status: PaymentStatus::Unknown,
                ..payment
            })
        }
        Err(GatewayError::Unavailable(reason)) => {
            // Nothing reached the gateway: the payment stays pending and a
            // retry with the same key (or the status sync) picks it up.
            tracing::warn!(payment_id = %payment.id, %reason, "gateway unavailable");
            Ok(payment)
        }
    }
}

/// Holds a payment the gateway reported captured for another amount or
/// currency (or without saying what): `held_for_review`, a Client Log line,
/// and an ERROR log line for the staff alert. `payments{status="held_for_review"}`
/// in `/metrics` counts them.
pub(crate) async fn hold(
    state: &AppState,
    payment: Payment,
    reference: &str,
    captured: Option<Captured>,
    reason: &str,
    label: &str,
    actor: &Actor,
) -> Result<Payment, StoreError> {
    let reported = captured.map_or_else(
        || "no amount".to_owned(),
        |c| match c.currency.as_str() {
            CURRENCY => c.amount.to_string(),
            other => format!("{} {other} (minor units)", c.amount.0),
        },
    );
    tracing::error!(
        payment_id = %payment.id,
        client_id = %payment.client_id,
        reason,
        "payment held for review: the gateway reported a capture that does not match"
    );
    let message = format!(
        "{} was held for review: the gateway reported {reported} taken ({reason}); nothing was applied to the account",
        describe(label, payment.amount_cents, &payment, actor)
    );
    let log = NewLogEntry::by(actor, payment.client_id, message);
    state
        .store
        .hold_payment(payment.id, reason, reference, &log, state.clock.now())
        .await
}

/// Records an outcome the gateway reported on its own (a webhook) for the
/// payment charged under `charge_key`; unknown keys are ignored. A success
/// for a payment already recorded `failed` (the gateway's answer came after
/// we gave up on it) is held for review, never dropped: money was taken.
pub async fn apply_gateway_outcome(
    state: &AppState,
    charge_key: &ChargeKey,
    outcome: ChargeOutcome,
) -> Result<(), StoreError> {
    const LABEL: &str = "Payment (confirmed by the gateway)";
    let Some(payment) = state
        .store
        .payment_by_gateway_key(charge_key.as_str())
        .await?
    else {
        tracing::info!("gateway event for a charge we did not make; ignored");
        return Ok(());
    };
    match (payment.status, outcome) {
        (status, outcome) if status.is_open() => {
            record_outcome(
                state,
                payment,
                Ok(outcome),
                LABEL,
                &Actor::System,
                Commit::Durable,
                None,
            )
            .await?;
        }
        (
            PaymentStatus::Failed,
            ChargeOutcome::Succeeded {
                reference,
                captured,
                ..
            },
        ) => {
            hold(
                state,
                payment,
                &reference,
                captured,
                "succeeded_after_failure",
                LABEL,
                &Actor::System,
            )
            .await?;
        }
        (status, _) => {
            tracing::info!(payment_id = %payment.id, status = status.as_str(), "gateway event for a payment whose outcome is already recorded; nothing to do");
        }
    }
    Ok(())
}

/// Refuses (and logs the refusal) when the client's location does not take
/// payments (`422 location_not_accepting_payments`).
pub async fn ensure_accepts_payments(
    state: &AppState,
    client: &Client,
    actor: &Actor,
    what: &str,
) -> ApiResult<()> {
    if client.location.accepts_payments {
        return Ok(());
    }
    let message = format!(
        "{what} refused: {} does not accept online payments ({})",
        client.location.name,
        actor.name()
    );
    state
        .store
        .add_log(
            &NewLogEntry::by(actor, client.id, message),
            state.clock.now(),
        )
        .await?;
    Err(ApiError::refused(
        ProblemCode::LocationNotAcceptingPayments,
        format!(
            "{} is not set up to accept payments; the client must pay at the location",
            client.location.name
        ),
    ))
}

/// Refuses a quote with nothing to charge (`422 nothing_to_pay`): the
/// client's credit covers the whole period, and a card is never charged zero
/// (a supervisor applies the credit instead, [`super::credits::apply_credit`]).
/// Nothing is written.
pub fn ensure_something_to_charge(quote: &Quote) -> ApiResult<()> {
    if quote.total_due_cents > Cents::ZERO {
        return Ok(());
    }
    let detail = if quote.is_covered_by_credit() {
        "the client's credit covers this period, so there is nothing to charge; a supervisor can apply the credit"
    } else {
        "the total due is zero, so there is nothing to charge"
    };
    Err(ApiError::refused(ProblemCode::NothingToPay, detail))
}

/// Refuses when the total differs from what the payer was shown (`409
/// quote_changed`), unless the request resumes a payment already written
/// under its key (its first try died, or answered 5xx): that payment holds
/// its past due, which today's quote leaves out, and it is charged as it was
/// written.
async fn ensure_expected_total(
    state: &AppState,
    charge_key: &ChargeKey,
    expected: Option<Cents>,
    summary: &QuoteSummary,
) -> ApiResult<()> {
    match expected {
        Some(cents) if cents != summary.quote.total_due_cents => {
            if state
                .store
                .payment_by_gateway_key(charge_key.as_str())
                .await?
                .is_some()
            {
                return Ok(());
            }
            Err(ApiError::Conflict {
                code: ProblemCode::QuoteChanged,
                detail: format!(
                    "the amount due is now {}; review the new summary and confirm again",
                    summary.quote.total_due_cents
                ),
            })
        }
        _ => Ok(()),
    }
}

/// Take a Payment, as the agent asked it.
pub struct TakePayment {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    pub days: MonitorDays,
    pub card_id: Uuid,
    /// The total the agent confirmed.
    pub expected_total: Option<Cents>,
    /// The vehicle's paid-through date the agent was shown (`Some(None)`:
    /// never paid), checked under the client's lock; `None`: not checked.
    pub expected_paid_through: Option<Option<NaiveDate>>,
}

/// Take a Payment: staff charge a card on file for a vehicle's next period,
/// under `charge_key` (see [`ChargeKey::for_request`]).
pub async fn take_payment(
    state: &AppState,
    actor: &Actor,
    charge_key: ChargeKey,
    request: TakePayment,
) -> ApiResult<Payment> {
    let (client, summary) =
        quote_for(state, request.client_id, request.vehicle_id, request.days).await?;
    ensure_accepts_payments(state, &client, actor, "Take a Payment").await?;
    ensure_something_to_charge(&summary.quote)?;
    ensure_expected_total(state, &charge_key, request.expected_total, &summary).await?;
    let card = state
        .store
        .chargeable_card(request.client_id, request.card_id)
        .await?
        .ok_or(CARD_NOT_FOUND)?;
    Ok(charge(
        state,
        Charge {
            client: &client,
            vehicle_id: request.vehicle_id,
            quote: summary.quote,
            method: PaymentMethod::CardOnFile,
            source: Source::Card(card),
            actor,
            charge_key,
            payment_link_id: None,
            label: "Take a Payment",
            commit: Commit::Deferred,
            save_to_customer: None,
            terms_version: None,
            expected_paid_through: request.expected_paid_through,
        },
    )
    .await?)
}

/// Make a Payment, as the client asked it.
pub struct MakePayment {
    pub client_id: Uuid,
    pub vehicle_id: Uuid,
    pub days: MonitorDays,
    /// Pay with a card on file…
    pub card_id: Option<Uuid>,
    /// …or with a new card's single-use token.
    pub payment_token: Option<String>,
    /// Keep the new card on file if the charge succeeds.
    pub save_card: bool,
    /// Enrol in Auto Pay with the card charged (or kept).
    pub enroll_autopay: bool,
    /// The total the client confirmed.
    pub expected_total: Option<Cents>,
    /// The vehicle's paid-through date the client was shown (`Some(None)`:
    /// never paid), checked under the client's lock; `None`: not checked.
    pub expected_paid_through: Option<Option<NaiveDate>>,
}

/// Make a Payment: the signed-in client pays for one of their vehicles with
/// a card on file or a new card (kept on file only if the charge succeeds),
/// and may enrol in Auto Pay with it.
pub async fn make_payment(
    state: &AppState,
    actor: &Actor,
    charge_key: ChargeKey,
    request: MakePayment,
) -> ApiResult<(Payment, Option<ClientSecret>)> {
    let (client, summary) =
        quote_for(state, request.client_id, request.vehicle_id, request.days).await?;
    ensure_accepts_payments(state, &client, actor, "Make a Payment").await?;
    ensure_something_to_charge(&summary.quote)?;
    ensure_expected_total(state, &charge_key, request.expected_total, &summary).await?;
    if request.enroll_autopay && request.card_id.is_none() && !request.save_card {
        return Err(ApiError::validation(
            ProblemCode::AutopayNeedsSavedCard,
            "enroll_autopay",
            "Auto Pay needs a card on file: choose one or save the new card",
        ));
    }
    if request.payment_token.is_some() {
        rate_limits::new_card_attempt(state, client.id).await?;
    }
    let (source, method, save_to_customer) = match (request.card_id, request.payment_token) {
        (Some(card_id), None) => {
            let card = state
                .store
                .chargeable_card(client.id, card_id)
                .await?
                .ok_or(CARD_NOT_FOUND)?;
            (Source::Card(card), PaymentMethod::CardOnFile, None)
        }
        // Kept on file by the charge itself, only if it succeeds: a
        // declined card is never saved (issue 15, item 4).
        (None, Some(token)) if request.save_card => (
            Source::Token(token),
            PaymentMethod::NewCard,
            Some(cards::customer_for_new_card(state, &client).await?),
        ),
        (None, Some(token)) => (Source::Token(token), PaymentMethod::NewCard, None),
        _ => {
            return Err(ApiError::validation(
                ProblemCode::PaymentMethodRequired,
                "card_id",
                "give either card_id or payment_token",
            ))
        }
    };
    let (payment, client_secret) = charge_on_session(
        state,
        Charge {
            client: &client,
            vehicle_id: request.vehicle_id,
            quote: summary.quote,
            method,
            source,
            actor,
            charge_key,
            payment_link_id: None,
            label: MAKE_A_PAYMENT,
            commit: Commit::Deferred,
            save_to_customer,
            terms_version: None,
            expected_paid_through: request.expected_paid_through,
        },
    )
    .await?;
    // The card charged, or the one this payment kept on file.
    if let (true, Some(card_id), PaymentStatus::Succeeded) =
        (request.enroll_autopay, payment.card_id, payment.status)
    {
        let words = card_words(payment.card_brand.as_deref(), payment.card_last4.as_deref());
        let log = NewLogEntry::by(
            actor,
            client.id,
            format!("Auto Pay enabled with {words} by {}", actor.name()),
        );
        state
            .store
            .set_autopay(client.id, Some(card_id), &log, state.clock.now())
            .await?;
    }
    Ok((payment, client_secret))
}

/// The Client Log's name for a payment the client makes in My Account.
pub const MAKE_A_PAYMENT: &str = "Make a Payment";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PricePlan, TaxRate};

    fn quote(credit: i64) -> Quote {
        let plan = PricePlan {
            daily_rate: Some(Cents(350)),
            price_14: None,
            price_30: None,
        };
        let rate = TaxRate::from_ppm(82_500).unwrap();
        Quote::compute(
            &plan,
            rate,
            MonitorDays::Fourteen,
            Cents::ZERO,
            Cents(credit),
        )
        .unwrap()
    }

    #[test]
    fn a_quote_the_credit_covers_has_nothing_to_charge() {
        let refused = ensure_something_to_charge(&quote(5_304)).unwrap_err();
        assert!(refused.code() == ProblemCode::NothingToPay);
        assert!(refused
            .to_string()
            .contains("a supervisor can apply the credit"));
    }

    #[test]
    fn a_quote_with_anything_left_to_charge_is_charged() {
        assert!(ensure_something_to_charge(&quote(0)).is_ok());
        assert!(
            ensure_something_to_charge(&quote(5_280)).is_ok(),
            "50 ¢ left"
        );
    }
}
