//! Text messages. Messages are queued in an outbox table in the same
//! transaction as the change that causes them, and a worker sends them
//! through an `SmsSender` with bounded retries.

pub mod console;
pub mod outbox;
pub mod seal;
pub mod twilio;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use console::ConsoleSender;
pub use seal::Sealer;
pub use twilio::TwilioSender;

/// One message to send. `body` may hold a payment link: never log it
/// (the console sender is the single, deliberate exception).
pub struct SmsMessage<'a> {
    /// E.164 number.
    pub to: &'a str,
    pub body: &'a str,
    /// Where the provider should report delivery, when we have a public URL.
    pub status_callback: Option<&'a str>,
    /// How long the provider may hold the message before it must drop it
    /// instead of delivering it late; `None`: the provider's default.
    pub validity: Option<ValidityPeriod>,
}

/// How long, in whole seconds, a provider may keep a message queued before
/// it must drop it: Twilio's `ValidityPeriod`, which accepts 1 to 36000
/// (https://www.twilio.com/docs/messaging/api/message-resource, create
/// parameters; error 21624 otherwise). Only built within that range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidityPeriod(u32);

impl ValidityPeriod {
    /// The longest validity Twilio accepts (and its default): 10 hours.
    pub const MAX_SECONDS: u32 = 36_000;

    /// The time left until `expires_at`, in whole seconds (rounded down, so
    /// the message never outlives its deadline), at most [`Self::MAX_SECONDS`];
    /// `None` when less than a second is left: the message must not be sent.
    pub fn until(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<ValidityPeriod> {
        let left = (expires_at - now).num_seconds();
        (left >= 1).then(|| {
            ValidityPeriod(
                u32::try_from(left).map_or(Self::MAX_SECONDS, |s| s.min(Self::MAX_SECONDS)),
            )
        })
    }

    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// Where a message stands, as far as we know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsStatus {
    Queued,
    Sent,
    Delivered,
    Failed,
}

impl SmsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsStatus::Queued => "queued",
            SmsStatus::Sent => "sent",
            SmsStatus::Delivered => "delivered",
            SmsStatus::Failed => "failed",
        }
    }
}

/// The provider accepted the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsReceipt {
    pub provider_id: String,
    pub status: SmsStatus,
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// Worth trying again later (timeout, 5xx, rate limit).
    #[error("temporary SMS failure: {0}")]
    Retryable(String),
    /// Will never work (invalid number, opted out, bad credentials): do not
    /// retry. `provider_code` is the provider's error code (Twilio's `code`,
    /// e.g. 21610), when it gave one.
    #[error("permanent SMS failure: {error}")]
    Permanent {
        error: String,
        provider_code: Option<i64>,
    },
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    /// `console` or `twilio`.
    fn name(&self) -> &'static str;
    async fn send(&self, message: &SmsMessage<'_>) -> Result<SmsReceipt, SmsError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_validity_is_the_time_left_within_twilios_range() {
        let now = Utc::now();
        let at = |seconds: i64| ValidityPeriod::until(now + Duration::seconds(seconds), now);
        assert_eq!(at(600).map(ValidityPeriod::seconds), Some(600));
        assert_eq!(
            ValidityPeriod::until(now + Duration::milliseconds(599_900), now)
                .map(ValidityPeriod::seconds),
            Some(599),
            "rounded down"
        );
        assert_eq!(at(1).map(ValidityPeriod::seconds), Some(1));
        assert_eq!(at(86_400).map(ValidityPeriod::seconds), Some(36_000));
        assert_eq!(
            ValidityPeriod::until(now + Duration::milliseconds(999), now),
            None
        );
        assert_eq!(at(0), None);
        assert_eq!(at(-5), None);
    }
}
