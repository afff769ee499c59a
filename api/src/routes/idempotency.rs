//! `Idempotency-Key` for money-moving POSTs: the same key and body answer the
//! stored first response; a different body is refused; a concurrent duplicate
//! gets 409 while the first runs.

use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::state::AppState;
use crate::store::IdempotencyBegin;
use actix_web::http::StatusCode;
use actix_web::{dev::Payload, FromRequest, HttpRequest, HttpResponse, ResponseError};
use chrono::Duration;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::{ready, Future, Ready};

/// The client's key for one logical request (1–255 visible ASCII characters).
pub struct IdempotencyKey(pub String);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get("idempotency-key").map(|v| v.to_str()) {
            None => Err(bad(
                ProblemCode::IdempotencyKeyRequired,
                "send an Idempotency-Key header (a fresh UUID per payment attempt)",
            )),
            Some(Ok(k))
                if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Ok(IdempotencyKey(k.to_owned()))
            }
            Some(_) => Err(bad(
                ProblemCode::InvalidIdempotencyKey,
                "the Idempotency-Key must be 1 to 255 visible ASCII characters",
            )),
        };
        ready(key)
    }
}

/// An unfinished claim older than this (`IDEMPOTENCY_STALE_AFTER_SECONDS`) is
/// considered abandoned (its process died) and may be taken over; the gateway
/// key keeps the charge single.
fn stale_after(state: &AppState) -> Duration {
    Duration::seconds(state.settings.idempotency_stale_after_seconds)
}

fn bad(code: ProblemCode, detail: &str) -> ApiError {
    ApiError::Malformed {
        code,
        detail: detail.into(),
    }
}

fn respond(status: StatusCode, body: String, replayed: bool) -> HttpResponse {
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = HttpResponse::build(status);
    response.content_type(content_type);
    if replayed {
        response.insert_header(("idempotent-replayed", "true"));
    }
    response.body(body)
}

/// Runs `operation` once per (`principal`, key): its answer — success or a
/// 4xx refusal — is stored and replayed to retries. A 5xx or a 429 (a limit,
/// with its `Retry-After`) releases the key so the client can retry.
pub async fn run<T, F, Fut>(
    state: &AppState,
    principal: &str,
    key: &IdempotencyKey,
    operation_name: &str,
    request: &T,
    operation: F,
) -> ApiResult<HttpResponse>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: Future<Output = ApiResult<(StatusCode, serde_json::Value)>>,
{
    let mut hasher = Sha256::new();
    hasher.update(operation_name.as_bytes());
    hasher.update(serde_json::to_vec(request).map_err(|e| ApiError::Internal(e.into()))?);
    let hash = hasher.finalize();
    let now = state.clock.now();
    match state
        .store
        .idempotency_begin(principal, &key.0, &hash, now, now - stale_after(state))
        .await?
    {
        IdempotencyBegin::Completed { status, body } => {
            let status = u16::try_from(status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            Ok(respond(status, body, true))
        }
        IdempotencyBegin::InProgress => Err(ApiError::Conflict {
            code: ProblemCode::RequestInProgress,
            detail:
                "a request with this Idempotency-Key is still being processed; retry in a moment"
                    .into(),
        }),
        IdempotencyBegin::Mismatch => Err(ApiError::refused(
            ProblemCode::IdempotencyKeyReused,
            "this Idempotency-Key was already used for a different request; use a new key",
        )),
        IdempotencyBegin::Started => {
            let (status, body) = match operation().await {
                Ok(answer) => answer,
                // A rate limit is not the request's answer: it is answered as
                // is (with its Retry-After) and the key released, like a 5xx.
                Err(error)
                    if error.status_code().is_client_error()
                        && error.status_code() != StatusCode::TOO_MANY_REQUESTS =>
                {
                    (error.status_code(), error.problem_json())
                }
                Err(error) => {
                    state.store.idempotency_release(principal, &key.0).await?;
                    return Err(error);
                }
            };
            state
                .store
                .idempotency_complete(
                    principal,
                    &key.0,
                    i64::from(status.as_u16()),
                    &stored_answer(&body),
                    state.clock.now(),
                )
                .await?;
            Ok(respond(status, body.to_string(), false))
        }
    }
}

/// The answer as stored for replays: without a payment's `next_action`,
/// whose client secret goes to the browser that asked and is never stored
/// (a replay answers `requires_action` without it; the confirm endpoint
/// gives the secret again from the gateway), and without its receipt's
/// `receipt_reference`, which is stored only hashed (the payer finds the
/// receipt again through the link they paid, or signed in).
fn stored_answer(body: &serde_json::Value) -> String {
    use crate::routes::payments::{NEXT_ACTION_FIELD, RECEIPT_FIELD, RECEIPT_REFERENCE_FIELD};
    let mut body = body.clone();
    if let serde_json::Value::Object(fields) = &mut body {
        fields.remove(NEXT_ACTION_FIELD);
        if let Some(serde_json::Value::Object(receipt)) = fields.get_mut(RECEIPT_FIELD) {
            receipt.remove(RECEIPT_REFERENCE_FIELD);
        }
    }
    body.to_string()
}
