//! Receipts: the proof of payment. Every succeeded payment gets one, issued
//! by [`crate::store::PaymentStore::record_payment_outcome`] in the
//! transaction that records the success, whoever reported it (the charge's
//! answer, a 3-D Secure confirm, the status sync, a webhook, Auto Pay).
//!
//! Who may read one:
//! - whoever holds its reference ([`by_reference`]), given once to the payer
//!   in the answer that told them they paid, and never logged or put in a
//!   URL path or query (it travels in the `Receipt-Reference` header);
//! - whoever holds the payment link it paid ([`for_paid_link`]);
//! - the signed-in client whose receipt it is ([`my_receipt`], [`my_receipts`]);
//! - staff who can read the client ([`payment_receipt`]).

use crate::domain::sms_templates;
use crate::domain::{Payment, PaymentLink, PaymentStatus, Receipt, ReceiptReference};
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::services::rate_limits;
use crate::state::AppState;
use crate::store::NewReceipt;
use uuid::Uuid;

/// A receipt for a payment of `amount` to issue with its success: a fresh
/// reference, and the receipt text that carries it in the client's
/// `language` (to the payer too: the text is about the client's account),
/// sealed for the outbox
/// (the plain reference never reaches a log: only the console SMS sender
/// prints a text, at its `sms_console` target, as it does a link's).
pub fn new_receipt(
    state: &AppState,
    language: crate::domain::Language,
    amount: crate::domain::Cents,
) -> NewReceipt {
    let reference = ReceiptReference::generate();
    let url = sms_templates::receipt_url(&state.settings.public_base_url, reference.expose());
    let body = sms_templates::receipt(language, &state.settings.company_name, amount, &url);
    NewReceipt {
        id: Uuid::new_v4(),
        sms_body_sealed: state.sealer.seal(&body),
        reference,
    }
}

const RECEIPT_NOT_FOUND: ApiError = ApiError::NotFound {
    code: ProblemCode::ReceiptNotFound,
    detail:
        "no receipt here; check the receipt link, or sign in to My Account to see your receipts",
};

/// The receipt a reference opens, for a caller at `ip` within the per-IP
/// limit (`404 receipt_not_found` for a malformed or unknown reference).
pub async fn by_reference(state: &AppState, ip: &str, reference: &str) -> ApiResult<Receipt> {
    rate_limits::receipt_request_from(state, ip).await?;
    let reference = ReceiptReference::parse(reference).ok_or(RECEIPT_NOT_FOUND)?;
    state
        .store
        .receipt_by_reference_hash(&reference.hash())
        .await?
        .ok_or(RECEIPT_NOT_FOUND)
}

/// The receipt of the payment that paid `link`, for whoever holds the link's
/// token; `None` when the link is not paid (or its payment has no receipt).
pub async fn for_paid_link(state: &AppState, link: &PaymentLink) -> ApiResult<Option<Receipt>> {
    match link.payment_id {
        Some(payment_id) => Ok(state.store.payment_receipt(payment_id).await?),
        None => Ok(None),
    }
}

/// The signed-in client's receipts, newest first.
pub async fn my_receipts(state: &AppState, client_id: Uuid) -> ApiResult<Vec<Receipt>> {
    Ok(state.store.client_receipts(client_id).await?)
}

/// One of the signed-in client's receipts; another client's answers `404
/// receipt_not_found`, exactly as one that does not exist.
pub async fn my_receipt(state: &AppState, client_id: Uuid, receipt_id: Uuid) -> ApiResult<Receipt> {
    state
        .store
        .client_receipt(client_id, receipt_id)
        .await?
        .ok_or(RECEIPT_NOT_FOUND)
}

/// A payment's receipt, for staff (`404 receipt_not_found` when the payment
/// does not exist or has not succeeded).
pub async fn payment_receipt(state: &AppState, payment_id: Uuid) -> ApiResult<Receipt> {
    state
        .store
        .payment_receipt(payment_id)
        .await?
        .ok_or(RECEIPT_NOT_FOUND)
}

/// The receipt of a payment a money-moving request has just answered, with
/// the reference when this request issued it (then without reading it back);
/// `None` unless it succeeded.
pub async fn of_answered_payment(
    state: &AppState,
    payment: &Payment,
) -> ApiResult<Option<(Receipt, Option<ReceiptReference>)>> {
    if payment.status != PaymentStatus::Succeeded {
        return Ok(None);
    }
    if let Some(issued) = &payment.issued_receipt {
        return Ok(Some((
            issued.receipt.clone(),
            Some(issued.reference.clone()),
        )));
    }
    Ok(state
        .store
        .payment_receipt(payment.id)
        .await?
        .map(|receipt| (receipt, None)))
}
