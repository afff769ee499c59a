//! Outgoing webhooks (issue 20, item 2; docs/api.md, "Integrations"),
//! following the Standard Webhooks specification
//! (<https://www.standardwebhooks.com>, `spec/standard-webhooks.md`): each
//! delivery carries `webhook-id` (the event's stable id, for de-duplication),
//! `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature`
//! (`v1,` + base64 of HMAC-SHA256 over `id.timestamp.body`, keyed with the
//! base64-decoded part of the endpoint's `whsec_…` secret), so that partners
//! verify with the published `standardwebhooks` libraries.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

/// The events a partner can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, ToSchema)]
pub enum EventType {
    /// A payment succeeded (the money was taken; invoice and receipt issued).
    #[serde(rename = "payment.succeeded")]
    PaymentSucceeded,
    /// A payment was declined or otherwise failed.
    #[serde(rename = "payment.failed")]
    PaymentFailed,
    /// A refund of a payment succeeded at the gateway.
    #[serde(rename = "payment.refunded")]
    PaymentRefunded,
    /// A payment link was created and its text queued.
    #[serde(rename = "link.sent")]
    LinkSent,
    /// A payment link was opened by its payer for the first time.
    #[serde(rename = "link.opened")]
    LinkOpened,
    /// A payment link was paid.
    #[serde(rename = "link.paid")]
    LinkPaid,
    /// A payment link expired unpaid (never paid or revoked): written by the
    /// link expiry job when it records the expiry (`services::links::record_expiries`).
    #[serde(rename = "link.expired")]
    LinkExpired,
    /// An Auto Pay charge failed.
    #[serde(rename = "autopay.failed")]
    AutopayFailed,
}

impl EventType {
    pub const ALL: [EventType; 8] = [
        EventType::PaymentSucceeded,
        EventType::PaymentFailed,
        EventType::PaymentRefunded,
        EventType::LinkSent,
        EventType::LinkOpened,
        EventType::LinkPaid,
        EventType::LinkExpired,
        EventType::AutopayFailed,
    ];

    /// The name on the wire (`payment.succeeded`).
    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::PaymentSucceeded => "payment.succeeded",
            EventType::PaymentFailed => "payment.failed",
            EventType::PaymentRefunded => "payment.refunded",
            EventType::LinkSent => "link.sent",
            EventType::LinkOpened => "link.opened",
            EventType::LinkPaid => "link.paid",
            EventType::LinkExpired => "link.expired",
            EventType::AutopayFailed => "autopay.failed",
        }
    }

    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// The body of a `payment.succeeded`, `payment.failed`, `autopay.failed`, `link.paid` delivery (Standard Webhooks' envelope): the
/// event type, when the event happened (UTC, RFC 3339) and its `data`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentEvent {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub data: PaymentEventData,
}

/// The body of a `link.sent`, `link.opened`, `link.expired` delivery (Standard Webhooks' envelope): the
/// event type, when the event happened (UTC, RFC 3339) and its `data`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkEvent {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub data: LinkEventData,
}

/// The body of a `payment.refunded` delivery (Standard Webhooks' envelope): the
/// event type, when the event happened (UTC, RFC 3339) and its `data`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundEvent {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub timestamp: chrono::DateTime<chrono::Utc>,
    pub data: RefundEventData,
}

/// `payment.succeeded`, `payment.failed`, `autopay.failed` and `link.paid`:
/// the payment (never card numbers or receipt references).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentEventData {
    pub payment_id: uuid::Uuid,
    pub client_id: uuid::Uuid,
    pub vehicle_id: Option<uuid::Uuid>,
    /// The payment link it paid, if any (also in `link_id` for `link.paid`).
    pub payment_link_id: Option<uuid::Uuid>,
    /// `link.paid` only: the link paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_id: Option<uuid::Uuid>,
    /// Integer cents.
    pub amount_cents: i64,
    #[schema(example = "USD")]
    pub currency: String,
    /// `succeeded` or `failed`.
    #[schema(example = "succeeded")]
    pub status: String,
    /// `card_on_file`, `new_card`, `payment_link` or `autopay`.
    #[schema(example = "payment_link")]
    pub method: String,
    /// The invoice the payment created (succeeded payments).
    pub invoice_number: Option<i64>,
    /// Why it failed (`card_declined`, …); `null` when it succeeded.
    pub failure_code: Option<String>,
}

/// `link.sent`, `link.opened` and `link.expired`: the payment link (never
/// its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkEventData {
    pub link_id: uuid::Uuid,
    pub client_id: uuid::Uuid,
    /// `link.sent` and `link.expired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vehicle_id: Option<uuid::Uuid>,
    /// `link.sent` and `link.expired`: the amount the link asks for, integer cents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_cents: Option<i64>,
    /// `link.sent` and `link.expired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// `link.sent` and `link.expired`: when the link stops (stopped) working (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `payment.refunded`: the refund that succeeded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundEventData {
    pub refund_id: uuid::Uuid,
    pub payment_id: uuid::Uuid,
    pub client_id: uuid::Uuid,
    /// Integer cents given back by this refund.
    pub amount_cents: i64,
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(example = "succeeded")]
    pub status: String,
    /// `card` (money given back to the card) or `credit` (kept as the
    /// client's credit, docs/payments.md).
    #[schema(example = "card")]
    pub destination: String,
}

/// Event types as stored: space-separated.
pub fn events_to_text(events: &[EventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Event types from their stored form (unknown names are skipped).
pub fn events_from_text(text: &str) -> Vec<EventType> {
    text.split_whitespace()
        .filter_map(EventType::parse)
        .collect()
}

/// The prefix of an endpoint's signing secret (Standard Webhooks).
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` + base64 of 32 bytes from the OS CSPRNG.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// A new event id: `msg_` + a UUID's 32 hex digits.
pub fn new_event_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// The `webhook-signature` header for one delivery attempt: `v1,` + base64 of
/// HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the base64-decoded
/// part of `secret` after `whsec_`. `None` when the secret is malformed.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The wait before the next attempt after `attempts` failed ones:
/// `base`, doubled each time (exponential backoff), at most one hour.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let wait = base
        .num_milliseconds()
        .saturating_mul(1_i64 << doublings)
        .min(3_600_000);
    Duration::milliseconds(wait)
}

/// Why an endpoint URL is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BadUrl {
    NotAUrl,
    /// Production takes `https://` URLs only.
    NotHttps,
}

/// Checks an endpoint URL: absolute `http(s)://host…`, `https://` when
/// `https_only` (production).
pub fn check_url(url: &str, https_only: bool) -> Result<(), BadUrl> {
    let parsed = reqwest::Url::parse(url).map_err(|_| BadUrl::NotAUrl)?;
    if parsed.host_str().is_none_or(str::is_empty) || url.len() > 2000 {
        return Err(BadUrl::NotAUrl);
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if !https_only => Ok(()),
        "http" => Err(BadUrl::NotHttps),
        _ => Err(BadUrl::NotAUrl),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        // The specification's example (and its libraries' test vector).
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn secrets_are_whsec_and_32_random_bytes() {
        let (a, b) = (generate_secret(), generate_secret());
        assert_ne!(a, b);
        let key = STANDARD.decode(a.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(key.len(), 32);
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::seconds(5);
        let waits: Vec<i64> = (1..=5).map(|a| backoff(base, a).num_seconds()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80]);
        assert_eq!(backoff(base, 40).num_seconds(), 3600);
    }

    #[test]
    fn event_names_round_trip() {
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
        assert_eq!(
            events_from_text(&events_to_text(&EventType::ALL)),
            EventType::ALL
        );
    }

    #[test]
    fn production_takes_https_only() {
        assert_eq!(check_url("https://partner.example/hooks", true), Ok(()));
        assert_eq!(
            check_url("http://partner.example/hooks", true),
            Err(BadUrl::NotHttps)
        );
        assert_eq!(check_url("http://127.0.0.1:8080/h", false), Ok(()));
        assert_eq!(check_url("ftp://x/y", false), Err(BadUrl::NotAUrl));
        assert_eq!(check_url("not a url", false), Err(BadUrl::NotAUrl));
    }
}
