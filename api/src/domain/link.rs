//! Secure payment links: a one-time token sent by SMS, payable once, within
//! the link's time to live after it was sent.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The secret in a link (256 bits from the OS CSPRNG, base64url). It is shown
/// once, in the SMS; we keep only its SHA-256. Deliberately neither `Debug`
/// nor `Display`: it cannot end up in a log line by accident.
pub struct LinkToken(String);

impl LinkToken {
    pub fn generate() -> LinkToken {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        LinkToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token as it arrives in a URL: 43 base64url characters, else `None`.
    pub fn parse(token: &str) -> Option<LinkToken> {
        let valid = token.len() == 43
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        valid.then(|| LinkToken(token.to_owned()))
    }

    pub fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }

    /// The secret itself: for building the SMS only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What is stored about a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Sent,
    Opened,
    /// One redeem holds it while its charge runs.
    Paying,
    Paid,
    Revoked,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Sent => "sent",
            LinkStatus::Opened => "opened",
            LinkStatus::Paying => "paying",
            LinkStatus::Paid => "paid",
            LinkStatus::Revoked => "revoked",
        }
    }

    pub fn parse(status: &str) -> Option<LinkStatus> {
        [
            LinkStatus::Sent,
            LinkStatus::Opened,
            LinkStatus::Paying,
            LinkStatus::Paid,
            LinkStatus::Revoked,
        ]
        .into_iter()
        .find(|s| s.as_str() == status)
    }
}

/// Whether a link can be paid right now: the one rule for expiry and single use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Payable,
    /// Another redeem is charging it now.
    InPayment,
    Used,
    Revoked,
    Expired,
}

/// A link is payable while it is sent or opened and `now` is before
/// `expires_at` (sent + TTL, by the server's clock). Paid and revoked win
/// over expiry: the payer is told what really happened.
pub fn link_state(status: LinkStatus, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> LinkState {
    match status {
        LinkStatus::Paid => LinkState::Used,
        LinkStatus::Revoked => LinkState::Revoked,
        LinkStatus::Paying => LinkState::InPayment,
        LinkStatus::Sent | LinkStatus::Opened if now >= expires_at => LinkState::Expired,
        LinkStatus::Sent | LinkStatus::Opened => LinkState::Payable,
    }
}

/// What staff see for a link: its lifecycle status, with expiry and SMS delivery folded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkDisplayStatus {
    Sent,
    Delivered,
    Opened,
    Paying,
    Paid,
    Expired,
    Revoked,
}

pub fn display_status(
    status: LinkStatus,
    expires_at: DateTime<Utc>,
    sms_delivered: bool,
    now: DateTime<Utc>,
) -> LinkDisplayStatus {
    match link_state(status, expires_at, now) {
        LinkState::Used => LinkDisplayStatus::Paid,
        LinkState::Revoked => LinkDisplayStatus::Revoked,
        LinkState::InPayment => LinkDisplayStatus::Paying,
        LinkState::Expired => LinkDisplayStatus::Expired,
        LinkState::Payable if status == LinkStatus::Opened => LinkDisplayStatus::Opened,
        LinkState::Payable if sms_delivered => LinkDisplayStatus::Delivered,
        LinkState::Payable => LinkDisplayStatus::Sent,
    }
}

/// The text message carrying the link.
pub fn sms_body(company: &str, amount: super::Cents, url: &str, ttl_minutes: i64) -> String {
    let minutes = if ttl_minutes == 1 {
        "1 minute".to_owned()
    } else {
        format!("{ttl_minutes} minutes")
    };
    format!("{company}: your payment of {amount} is ready. Pay securely within {minutes}: {url}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn tokens_are_256_bit_base64url_and_unique() {
        let a = LinkToken::generate();
        let b = LinkToken::generate();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a.expose(), b.expose());
        assert!(LinkToken::parse(a.expose()).is_some());
        assert_eq!(a.hash().len(), 32);
        assert_ne!(a.hash(), a.expose().as_bytes());
    }

    #[test]
    fn malformed_tokens_do_not_parse() {
        for bad in [
            "",
            "short",
            &"a".repeat(44),
            &format!("{}=", "a".repeat(42)),
            &format!("{}/", "a".repeat(42)),
        ] {
            assert!(LinkToken::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_link_is_payable_until_it_expires_and_only_once() {
        let sent = Utc::now();
        let expires = sent + Duration::minutes(10);
        assert_eq!(
            link_state(LinkStatus::Sent, expires, sent),
            LinkState::Payable
        );
        assert_eq!(
            link_state(LinkStatus::Opened, expires, expires - Duration::seconds(1)),
            LinkState::Payable
        );
        assert_eq!(
            link_state(LinkStatus::Opened, expires, expires),
            LinkState::Expired
        );
        assert_eq!(
            link_state(LinkStatus::Paid, expires, expires + Duration::days(1)),
            LinkState::Used
        );
        assert_eq!(
            link_state(LinkStatus::Revoked, expires, sent),
            LinkState::Revoked
        );
        assert_eq!(
            link_state(LinkStatus::Paying, expires, sent),
            LinkState::InPayment
        );
    }

    #[test]
    fn staff_see_delivery_and_expiry_in_the_status() {
        let now = Utc::now();
        let later = now + Duration::minutes(10);
        assert_eq!(
            display_status(LinkStatus::Sent, later, false, now),
            LinkDisplayStatus::Sent
        );
        assert_eq!(
            display_status(LinkStatus::Sent, later, true, now),
            LinkDisplayStatus::Delivered
        );
        assert_eq!(
            display_status(LinkStatus::Opened, later, true, now),
            LinkDisplayStatus::Opened
        );
        assert_eq!(
            display_status(LinkStatus::Opened, now, true, now),
            LinkDisplayStatus::Expired
        );
    }

    #[test]
    fn the_sms_names_the_amount_the_deadline_and_the_link() {
        let body = sms_body(
            "Acme Monitoring",
            super::super::Cents(17_649),
            "https://x/my-account/pay#t",
            10,
        );
        assert_eq!(body, "Acme Monitoring: your payment of $176.49 is ready. Pay securely within 10 minutes: https://x/my-account/pay#t");
    }
}

/// A payment link as stored (never with its token).
#[derive(Clone, Debug)]
pub struct PaymentLink {
    pub id: uuid::Uuid,
    pub client_id: uuid::Uuid,
    pub vehicle_id: uuid::Uuid,
    /// E.164, as the SMS was addressed.
    pub phone: String,
    pub quote: super::Quote,
    pub status: LinkStatus,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub opened_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub payment_id: Option<uuid::Uuid>,
    /// The SMS's delivery status (`queued`, `sending`, `sent`, `delivered`, `failed`).
    pub sms_status: Option<String>,
}
