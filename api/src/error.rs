//! The API's one error type: every failure becomes an RFC 9457 problem with a
//! stable machine `code` ([`ProblemCode`], which also gives its status and
//! title). Internal errors are logged in full and answered generically.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::problem::ProblemCode;
use crate::store::StoreError;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[schema(example = "https://docs.payments.invalid/problems/invalid_monitor_days")]
    pub r#type: String,
    #[schema(example = "Invalid monitor days")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[schema(example = "monitor_days must be 14 or 30")]
    pub detail: String,
    pub code: ProblemCode,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field of a request body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// The problems every operation that reads a JSON body can answer before its
/// handler runs ([`json_error`], the `JsonConfig` error handler). Listed first in
/// such an operation's `responses(...)`, so its own entry for a status wins.
#[derive(utoipa::IntoResponses)]
pub enum JsonBodyProblems {
    /// The request could not be read: `malformed_json` (the body is not JSON).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// `payload_too_large`: the body is over 64 KiB.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// `unsupported_media_type`: the body was not sent as `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// `validation_failed`: the JSON does not have the request's shape (a
    /// field missing or of the wrong type), or a field's value is invalid.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// Every way a request can fail. The variant says what kind of failure it
/// is; its [`ProblemCode`] says which one, and gives the status and title.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request cannot be read as sent: a missing or malformed header,
    /// a body that is not JSON, too large (413) or not JSON at all (415), a
    /// query that does not parse, an unsigned webhook.
    #[error("{detail}")]
    Malformed { code: ProblemCode, detail: String },
    /// Fields of a well-formed request are invalid (422); `errors` names them.
    #[error("{detail}")]
    Invalid {
        code: ProblemCode,
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// An API key without the scope the operation needs (403).
    #[error("{0}")]
    InsufficientScope(&'static str),
    /// The card was declined (402); `code` says why.
    #[error("{detail}")]
    Declined {
        code: ProblemCode,
        detail: &'static str,
    },
    /// Rate limited (429, with `Retry-After`).
    #[error("{detail}")]
    TooManyRequests {
        retry_after: i64,
        detail: &'static str,
    },
    /// A dependency (database, gateway) is down; try again (503).
    #[error("{0}")]
    Unavailable(&'static str),
    #[error("{detail}")]
    NotFound {
        code: ProblemCode,
        detail: &'static str,
    },
    /// The payment link can no longer be paid (410): expired, used, revoked.
    #[error("{detail}")]
    Gone {
        code: ProblemCode,
        detail: &'static str,
    },
    /// A well-formed request the business rules refuse (422).
    #[error("{detail}")]
    Refused { code: ProblemCode, detail: String },
    /// The state changed under the request (409); look again.
    #[error("{detail}")]
    Conflict { code: ProblemCode, detail: String },
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

pub const CLIENT_NOT_FOUND: ApiError = ApiError::NotFound {
    code: ProblemCode::ClientNotFound,
    detail: "no client with this id",
};

pub const VEHICLE_NOT_FOUND: ApiError = ApiError::NotFound {
    code: ProblemCode::VehicleNotFound,
    detail: "no such vehicle for this client",
};

pub const CARD_NOT_FOUND: ApiError = ApiError::NotFound {
    code: ProblemCode::CardNotFound,
    detail: "no such card on file for this client",
};

pub const LINK_NOT_FOUND: ApiError = ApiError::NotFound {
    code: ProblemCode::LinkNotFound,
    detail: "this payment link does not exist; check the link in your text message",
};

impl ApiError {
    /// One invalid field (422).
    pub fn validation(code: ProblemCode, field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::Invalid {
            code,
            detail: message.clone(),
            errors: vec![FieldError {
                field: field.into(),
                message,
            }],
        }
    }

    /// A business rule refuses the request (422).
    pub fn refused(code: ProblemCode, detail: impl Into<String>) -> ApiError {
        ApiError::Refused {
            code,
            detail: detail.into(),
        }
    }

    /// The problem's code, which gives its status and title.
    pub fn code(&self) -> ProblemCode {
        match self {
            ApiError::Malformed { code, .. }
            | ApiError::Invalid { code, .. }
            | ApiError::Declined { code, .. }
            | ApiError::NotFound { code, .. }
            | ApiError::Gone { code, .. }
            | ApiError::Refused { code, .. }
            | ApiError::Conflict { code, .. } => *code,
            ApiError::Unavailable(_) => ProblemCode::ServiceUnavailable,
            ApiError::TooManyRequests { .. } => ProblemCode::RateLimited,
            ApiError::Unauthorized(_) => ProblemCode::Unauthorized,
            ApiError::Forbidden(_) => ProblemCode::Forbidden,
            ApiError::InsufficientScope(_) => ProblemCode::InsufficientScope,
            ApiError::Internal(_) => ProblemCode::InternalError,
        }
    }

    /// The problem document as JSON (stored for idempotent replays).
    pub fn problem_json(&self) -> serde_json::Value {
        serde_json::to_value(self.problem()).unwrap_or_default()
    }

    fn problem(&self) -> Problem {
        let status = self.status_code();
        let code = self.code();
        let (detail, errors) = match self {
            ApiError::Invalid { detail, errors, .. } => (detail.clone(), errors.clone()),
            ApiError::Internal(_) => (
                "something went wrong on our side; nothing was charged twice, please try again"
                    .into(),
                vec![],
            ),
            other => (other.to_string(), vec![]),
        };
        Problem {
            r#type: format!("https://docs.payments.invalid/problems/{code}"),
            title: code.title().to_owned(),
            status: status.as_u16(),
            detail,
            code,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    /// The code's status: written once, in [`ProblemCode`].
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(error) = self {
            tracing::error!(error = ?error, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response
            .content_type("application/problem+json")
            .json(self.problem())
    }
}

impl ApiError {
    /// A failed payment's refusal (its `failure_code`), in words the payer
    /// can act on.
    pub fn declined(failure_code: &str) -> ApiError {
        let code = ProblemCode::of_decline(failure_code);
        let detail = match code {
            ProblemCode::InsufficientFunds => "The card was declined for insufficient funds. No money was taken; try another card.",
            ProblemCode::ExpiredCard => "The card has expired. No money was taken; try another card.",
            ProblemCode::IncorrectCvc => "The security code (CVC) is wrong. No money was taken; check it and try again.",
            ProblemCode::ProcessingError => "The payment could not be processed. No money was taken; please try again.",
            ProblemCode::PaymentMethodInvalid => "The card details were not accepted. No money was taken; enter the card again.",
            ProblemCode::AuthenticationRequired => "The bank wants the cardholder to confirm this payment, and it was not confirmed. No money was taken; the client can pay in My Account or through a payment link, where their bank can ask them, or use another card.",
            ProblemCode::AuthenticationFailed => "The bank did not accept the cardholder's confirmation of this payment. No money was taken; try again or use another card.",
            _ => "The card was declined. No money was taken; try another card.",
        };
        ApiError::Declined { code, detail }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        if let StoreError::PastDueChanged = error {
            return ApiError::Conflict {
                code: ProblemCode::QuoteChanged,
                detail: "the past due balance was paid, or is being paid, by another payment; review the new summary and confirm again".into(),
            };
        }
        if let StoreError::PaidThroughChanged = error {
            return ApiError::Conflict {
                code: ProblemCode::QuoteChanged,
                detail: "another payment paid this vehicle's period since the summary was shown; nothing was charged: review the new summary and confirm again".into(),
            };
        }
        if let StoreError::VehiclePaymentInProgress = error {
            return ApiError::Conflict {
                code: ProblemCode::PaymentInProgress,
                detail: "another payment for this vehicle is being made right now; nothing was charged: check back in a moment".into(),
            };
        }
        if error.is_transient() {
            tracing::warn!(%error, "database unavailable");
            return ApiError::Unavailable("the service is briefly unavailable; retry in a moment");
        }
        ApiError::Internal(error.into())
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> ApiError {
        let mut fields: Vec<FieldError> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errs)| {
                errs.iter().map(move |e| FieldError {
                    field: field.to_string(),
                    message: e
                        .message
                        .as_ref()
                        .map_or_else(|| format!("{field} is invalid"), ToString::to_string),
                })
            })
            .collect();
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        let detail = fields
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        ApiError::Invalid {
            code: ProblemCode::ValidationFailed,
            detail,
            errors: fields,
        }
    }
}

/// Extractor failures (bad JSON, bad path, bad query) as problems, so a bad
/// request never gets actix's plain-text answer.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let malformed = |code, detail: &str| ApiError::Malformed {
        code,
        detail: detail.to_owned(),
    };
    match &err {
        E::ContentType => malformed(
            ProblemCode::UnsupportedMediaType,
            "send the body as application/json",
        ),
        E::Overflow { .. } | E::OverflowKnownLength { .. } => malformed(
            ProblemCode::PayloadTooLarge,
            "the request body is too large",
        ),
        E::Deserialize(e) if e.is_data() => ApiError::Invalid {
            code: ProblemCode::ValidationFailed,
            detail: format!(
                "{} (line {}, column {})",
                without_values(&e.to_string()),
                e.line(),
                e.column()
            ),
            errors: vec![],
        },
        E::Deserialize(e) => malformed(
            ProblemCode::MalformedJson,
            &format!("the body is not valid JSON: {e}"),
        ),
        _ => malformed(ProblemCode::MalformedJson, "the body could not be read"),
    }
    .into()
}

/// A serde data error's message without the submitted value it quotes
/// (`invalid type: integer `1234`, expected a string` names a password sent as
/// a number): what was expected, and the kind of value that came.
fn without_values(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let expected = message
        .split_once(", expected ")
        .map(|(_, expected)| expected);
    let kind = |rest: &str| {
        [
            ("integer", "an integer"),
            ("floating point", "a number"),
            ("string", "a string"),
            ("boolean", "a boolean"),
            ("map", "an object"),
            ("sequence", "an array"),
            ("null", "null"),
            ("unit", "null"),
        ]
        .into_iter()
        .find(|(serde, _)| rest.starts_with(serde))
        .map(|(_, json)| json)
    };
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return match (kind(rest), expected) {
            (Some(kind), Some(expected)) => format!("expected {expected}, got {kind}"),
            (_, Some(expected)) => format!("expected {expected}"),
            _ => "a field has the wrong type".into(),
        };
    }
    if message.starts_with("missing field `") {
        return message.to_owned();
    }
    match expected {
        Some(expected) => format!("a field has a value that is not allowed: expected {expected}"),
        None => "a field has the wrong type or value".into(),
    }
}

pub fn path_error(
    _err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::NotFound {
        code: ProblemCode::NotFound,
        detail: "no such resource",
    }
    .into()
}

pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::Malformed {
        code: ProblemCode::InvalidQuery,
        detail: err.to_string(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_and_title_come_from_the_code() {
        let problem = crate::error::LINK_NOT_FOUND.problem();
        assert_eq!(problem.status, 404);
        assert_eq!(problem.title, "Link not found");
        assert_eq!(problem.code, ProblemCode::LinkNotFound);
        let gone = ApiError::Gone {
            code: ProblemCode::LinkExpired,
            detail: "expired",
        };
        assert_eq!(gone.status_code(), StatusCode::GONE);
    }

    #[test]
    fn type_errors_describe_the_expected_type_without_the_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Login {
            password: String,
            days: u8,
            kind: Kind,
        }
        #[derive(Debug, serde::Deserialize)]
        enum Kind {
            Card,
        }
        for (body, secret, says) in [
            (
                r#"{"password": 987654321, "days": 1, "kind": "Card"}"#,
                "987654321",
                "expected a string, got an integer",
            ),
            (
                r#"{"password": "x", "days": "hunter22", "kind": "Card"}"#,
                "hunter22",
                "expected u8, got a string",
            ),
            (
                r#"{"password": "x", "days": 1, "kind": "s3cret-kind"}"#,
                "s3cret-kind",
                "expected",
            ),
            (
                r#"{"password": "x", "days": 900, "kind": "Card"}"#,
                "900",
                "expected u8",
            ),
        ] {
            let error = serde_json::from_str::<Login>(body).unwrap_err();
            assert!(
                error.to_string().contains(secret),
                "serde quotes it: {error}"
            );
            let described = without_values(&error.to_string());
            assert!(!described.contains(secret), "{described}");
            assert!(described.contains(says), "{described}");
        }
        let missing = serde_json::from_str::<Login>("{}").unwrap_err();
        assert_eq!(
            without_values(&missing.to_string()),
            "missing field `password`"
        );
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let problem = ApiError::Internal(anyhow::anyhow!("password=hunter2")).problem();
        assert!(!problem.detail.contains("hunter2"));
        assert_eq!(problem.status, 500);
    }
}
