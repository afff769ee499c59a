//! Receipts over HTTP: by the payer's reference (no login), by the signed-in
//! client, and by staff. The use cases are in `services::receipts`.
//!
//! The reference travels in the `Receipt-Reference` header, never in a URL
//! (the same hygiene as the payment link token, `routes::links`): URLs land
//! in proxy and load-balancer access logs, headers do not. My Account's
//! receipt page takes it from its URL's fragment.

use crate::auth::{permits, Can, ClientUser};
use crate::domain::Receipt;
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::routes::links::caller_ip;
use crate::services::receipts;
use crate::state::AppState;
use actix_web::{dev::Payload, get, web, FromRequest, HttpRequest};
use uuid::Uuid;

/// The header that carries a receipt's reference.
pub const RECEIPT_REFERENCE_HEADER: &str = "receipt-reference";

/// The reference from the `Receipt-Reference` header, as sent (it is parsed
/// when the receipt is looked up). Missing or not visible ASCII:
/// `400 receipt_reference_required`.
pub struct ReceiptReferenceHeader(String);

impl FromRequest for ReceiptReferenceHeader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            match req
                .headers()
                .get(RECEIPT_REFERENCE_HEADER)
                .map(|v| v.to_str())
            {
                Some(Ok(reference)) if !reference.is_empty() => {
                    Ok(ReceiptReferenceHeader(reference.to_owned()))
                }
                _ => Err(ApiError::Malformed {
                    code: ProblemCode::ReceiptReferenceRequired,
                    detail: "send the receipt's reference in the Receipt-Reference header".into(),
                }),
            },
        )
    }
}

/// Opens a receipt by its reference (no login: the reference is the
/// authorization).
#[utoipa::path(
    tag = "receipts", operation_id = "get_receipt_by_reference", security(()),
    params(("Receipt-Reference" = String, Header, description = "The receipt's reference, from the answer that paid (`receipt.receipt_reference`); My Account's receipt page has it after `#` in its URL")),
    responses(
        (status = 200, body = Receipt),
        (status = 400, description = "receipt_reference_required", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "receipt_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/receipt")]
#[tracing::instrument(skip_all)]
pub async fn get_receipt_by_reference(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: ReceiptReferenceHeader,
) -> ApiResult<web::Json<Receipt>> {
    let ip = caller_ip(&state, &req);
    Ok(web::Json(
        receipts::by_reference(&state, &ip, &reference.0).await?,
    ))
}

/// The signed-in client's receipts, newest first (Account Information).
#[utoipa::path(
    tag = "me", operation_id = "list_my_receipts",
    responses(
        (status = 200, body = Vec<Receipt>),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[get("/me/receipts")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn list_my_receipts(
    me: ClientUser,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<Receipt>>> {
    Ok(web::Json(
        receipts::my_receipts(&state, me.client_id).await?,
    ))
}

/// One of the signed-in client's receipts (another client's is not found).
#[utoipa::path(
    tag = "me", operation_id = "get_my_receipt",
    params(("receipt_id" = Uuid, Path, description = "Receipt id")),
    responses(
        (status = 200, body = Receipt),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "receipt_not_found", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("client" = []))
)]
#[get("/me/receipts/{receipt_id}")]
#[tracing::instrument(skip_all, fields(client = %me.client_id))]
pub async fn get_my_receipt(
    me: ClientUser,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Receipt>> {
    Ok(web::Json(
        receipts::my_receipt(&state, me.client_id, path.into_inner()).await?,
    ))
}

/// A payment's receipt (Account History).
#[utoipa::path(
    tag = "payments", operation_id = "get_payment_receipt",
    params(("payment_id" = Uuid, Path, description = "Payment id")),
    responses(
        (status = 200, body = Receipt),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "receipt_not_found: no such payment, or it has not succeeded", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("staff" = []), ("api_key" = ["payments:read"]))
)]
#[get("/payments/{payment_id}/receipt")]
#[tracing::instrument(skip_all, fields(staff = %staff.id))]
pub async fn get_payment_receipt(
    Can(staff, _): Can<permits::ReadPayments>,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Receipt>> {
    Ok(web::Json(
        receipts::payment_receipt(&state, path.into_inner()).await?,
    ))
}
