//! Control characters (U+0000–U+001F, U+007F) are refused in the text a
//! request carries — its query string and the strings of its JSON body —
//! before any handler or database sees them, with `422 validation_failed`.
//! PostgreSQL refuses NUL in text (a 500), SQLite's `LIKE` stops at it (a
//! search that matched every client), and none belongs in a name, a phone
//! number or a search. Provider webhooks are exempt: their bodies are theirs.

use crate::error::{ApiError, FieldError, ProblemCode};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::HttpMessage;
use futures_util::StreamExt;

use crate::app::JSON_BODY_LIMIT as BODY_LIMIT;

fn is_control(c: char) -> bool {
    c.is_ascii_control()
}

fn refused(field: &str) -> actix_web::Error {
    let message = format!("{field} may not contain control characters");
    ApiError::Invalid {
        code: ProblemCode::ValidationFailed,
        detail: message.clone(),
        errors: vec![FieldError {
            field: field.into(),
            message,
        }],
    }
    .into()
}

/// Whether any string (or object key) in `value` holds a control character.
fn json_has_control(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => s.chars().any(is_control),
        Value::Array(items) => items.iter().any(json_has_control),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.chars().any(is_control) || json_has_control(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Whether the percent-decoded query string holds a control character.
fn query_has_control(query: &str) -> bool {
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        let (byte, width) = match escaped {
            Some(byte) => (byte, 3),
            None => (bytes[i], 1),
        };
        if byte < 0x20 || byte == 0x7f {
            return true;
        }
        i += width;
    }
    false
}

/// The middleware (`actix_web::middleware::from_fn`).
pub async fn refuse_control_characters<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if query_has_control(req.query_string()) {
        return Ok(refuse(req, "query"));
    }
    // Every type the JSON extractor reads: application/json and any +json.
    let json = req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.subtype() == actix_web::mime::JSON || mime.suffix() == Some(actix_web::mime::JSON)
    });
    if json && !req.path().starts_with("/api/v1/webhooks/") {
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            body.extend_from_slice(&chunk?);
            if body.len() > BODY_LIMIT {
                break;
            }
        }
        let body: Bytes = body.freeze();
        // A body that is not JSON, or too large, is the extractor's to refuse.
        if body.len() <= BODY_LIMIT {
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) {
                if json_has_control(&value) {
                    return Ok(refuse(req, "body"));
                }
            }
        }
        req.set_payload(actix_web::dev::Payload::from(body));
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// The refusal as a response, so the outer middleware (security headers,
/// request id, metrics) handle it like any other answer.
fn refuse<B>(req: ServiceRequest, field: &str) -> ServiceResponse<EitherBody<B>> {
    req.error_response(refused(field)).map_into_right_body()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_wherever_a_string_holds_them() {
        for bad in [
            r#"{"q": "da\u0000na"}"#,
            r#"{"a": [{"b": "x\ty"}]}"#,
            r#"{"k\u001f": 1}"#,
            r#"{"s": "\u007f"}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert!(json_has_control(&value), "{bad}");
        }
        let fine: serde_json::Value =
            serde_json::from_str(r#"{"name": "José Ñúñez — 5 €", "n": 1, "list": [true, null]}"#)
                .unwrap();
        assert!(!json_has_control(&fine));
    }

    #[test]
    fn a_query_is_checked_after_percent_decoding() {
        assert!(query_has_control("q=da%00na"));
        assert!(query_has_control("q=a%0Ab"));
        assert!(query_has_control("q=a%7f"));
        assert!(!query_has_control("q=dana%20whitfield&x=%E2%82%AC"));
        assert!(!query_has_control("q=100%"));
        assert!(!query_has_control("q=%4"));
    }
}
