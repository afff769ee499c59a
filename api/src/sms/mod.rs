//! Text messages. Messages are queued in an outbox table in the same
//! transaction as the change that causes them, and a worker sends them
//! through an `SmsSender` with bounded retries.

pub mod console;
pub mod outbox;
pub mod seal;
pub mod twilio;

use async_trait::async_trait;

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
    /// Will never work (invalid number, bad credentials): do not retry.
    #[error("permanent SMS failure: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    /// `console` or `twilio`.
    fn name(&self) -> &'static str;
    async fn send(&self, message: &SmsMessage<'_>) -> Result<SmsReceipt, SmsError>;
}
