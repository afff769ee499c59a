//! Providers telling us what happened: Stripe (payment outcomes) and Twilio
//! (SMS delivery). Each request is authenticated by the provider's signature.

use crate::config::{GatewaySettings, SmsSettings};
use crate::domain::SmsFailure;
use crate::error::{ApiError, ApiResult, ProblemCode};
use crate::gateway::stripe::{parse_webhook_event, verify_webhook_signature, WebhookEvent};
use crate::services::{payments, refunds, sms_replies};
use crate::sms::{twilio, SmsStatus};
use crate::state::AppState;
use actix_web::{post, web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;

/// Stripe's default tolerance for a signed timestamp.
const STRIPE_TOLERANCE_SECS: i64 = 300;

fn bad_signature() -> ApiError {
    ApiError::Malformed {
        code: ProblemCode::InvalidSignature,
        detail: "the webhook signature is missing or wrong".into(),
    }
}

/// Stripe webhook: `payment_intent.succeeded` / `payment_intent.payment_failed`
/// record the outcome of the payment charged under that key (the same path as the status sync);
/// `charge.refund.updated` the outcome of our refund made under that key; `charge.refunded` records a
/// refund made in Stripe's Dashboard (what the charge's running total holds beyond our refunds);
/// `charge.dispute.created|updated|closed` the dispute's state on the payment (a lost one: a chargeback
/// in the ledger). Repeated and out-of-order events record nothing twice.
#[utoipa::path(
    tag = "webhooks", operation_id = "stripe_webhook", security(()),
    params(("Stripe-Signature" = String, Header, description = "t=<unix time>,v1=<HMAC-SHA256>")),
    request_body(content = String, content_type = "application/json", description = "A Stripe event"),
    responses(
        (status = 200, description = "Received"),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Stripe is not the gateway", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/stripe")]
#[tracing::instrument(skip_all)]
pub async fn stripe_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let GatewaySettings::Stripe {
        webhook_secret: Some(secret),
        ..
    } = &state.settings.gateway
    else {
        return Err(ApiError::NotFound {
            code: ProblemCode::NotFound,
            detail: "no such resource",
        });
    };
    let header = req
        .headers()
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(bad_signature)?;
    verify_webhook_signature(
        &body,
        header,
        secret.expose_secret(),
        state.clock.now().timestamp(),
        STRIPE_TOLERANCE_SECS,
    )
    .map_err(|error| {
        tracing::warn!(%error, "Stripe webhook refused");
        bad_signature()
    })?;
    let event = parse_webhook_event(&body).map_err(|_| ApiError::Malformed {
        code: ProblemCode::MalformedEvent,
        detail: "not a Stripe event".into(),
    })?;
    match event {
        Some(WebhookEvent::Charge(charge)) => {
            payments::apply_gateway_outcome(&state, &charge.charge_key, charge.outcome).await?;
        }
        Some(WebhookEvent::Refunded {
            charge_reference,
            amount_refunded,
        }) => {
            refunds::apply_refunded_total(&state, &charge_reference, amount_refunded).await?;
        }
        Some(WebhookEvent::RefundUpdated {
            idempotency_key,
            outcome,
            ..
        }) => {
            refunds::apply_refund_update(&state, idempotency_key.as_deref(), outcome).await?;
        }
        Some(WebhookEvent::Dispute(dispute)) => {
            refunds::apply_dispute(&state, &dispute).await?;
        }
        None => {}
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "received": true })))
}

/// Twilio delivery report for an SMS we sent (`MessageSid`, `MessageStatus`,
/// and `ErrorCode` when the status is `failed` or `undelivered`), signed with
/// `X-Twilio-Signature` over our callback URL and the form. A failure is kept
/// with its code and the reason staff see (`LinkView.sms_failure`).
#[utoipa::path(
    tag = "webhooks", operation_id = "twilio_status", security(()),
    params(("X-Twilio-Signature" = String, Header, description = "base64 HMAC-SHA1 of the URL and the sorted form fields")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "A Twilio status callback"),
    responses(
        (status = 204, description = "Received"),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Twilio is not the SMS sender", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/twilio/status")]
#[tracing::instrument(skip_all)]
pub async fn twilio_status(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let (SmsSettings::Twilio { auth_token, .. }, Some(url)) = (
        &state.settings.sms,
        state.settings.sms_status_callback_url(),
    ) else {
        return Err(ApiError::NotFound {
            code: ProblemCode::NotFound,
            detail: "no such resource",
        });
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let signature = req
        .headers()
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !twilio::signature_is_valid(&url, &form, auth_token.expose_secret(), signature) {
        tracing::warn!("Twilio status callback refused: bad signature");
        return Err(bad_signature());
    }
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let (Some(sid), Some(status)) = (
        field("MessageSid"),
        field("MessageStatus").and_then(twilio::message_status),
    ) {
        let failure = (status == SmsStatus::Failed).then(|| {
            SmsFailure::from_twilio(field("ErrorCode").and_then(|c| c.trim().parse().ok()))
        });
        state
            .store
            .outbox_delivery(sid, status, failure, state.clock.now())
            .await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A text a client sent to our number (Twilio's inbound message request:
/// `From`, `Body`), signed with `X-Twilio-Signature` over
/// `{PUBLIC_BASE_URL}/api/v1/webhooks/twilio/inbound` and the form, checked
/// exactly as the status callback's. STOP (and its synonyms) opts the phone
/// out of our texts, START opts it back in, HELP is answered with the support
/// text. The answer is TwiML: a reply in the same exchange, sent by Twilio
/// from the number the client texted, with no outbox row and no second
/// request to Twilio (STOP and START get an empty `<Response/>`: Twilio's own
/// opt-out handling confirms them).
#[utoipa::path(
    tag = "webhooks", operation_id = "twilio_inbound", security(()),
    params(("X-Twilio-Signature" = String, Header, description = "base64 HMAC-SHA1 of the URL and the sorted form fields")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "A Twilio inbound message request"),
    responses(
        (status = 200, description = "TwiML: the reply, if any", content_type = "text/xml", body = String),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Twilio is not the SMS sender", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhooks/twilio/inbound")]
#[tracing::instrument(skip_all)]
pub async fn twilio_inbound(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let SmsSettings::Twilio { auth_token, .. } = &state.settings.sms else {
        return Err(ApiError::NotFound {
            code: ProblemCode::NotFound,
            detail: "no such resource",
        });
    };
    let url = format!(
        "{}/api/v1/webhooks/twilio/inbound",
        state.settings.public_base_url
    );
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let signature = req
        .headers()
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !twilio::signature_is_valid(&url, &form, auth_token.expose_secret(), signature) {
        tracing::warn!("Twilio inbound message refused: bad signature");
        return Err(bad_signature());
    }
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let reply = sms_replies::inbound(&state, field("From"), field("Body")).await?;
    let twiml = match reply {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            xml_escape(&text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_owned(),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(twiml))
}

/// `text` as XML character data.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
