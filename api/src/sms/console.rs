//! The console SMS sender: prints each message (and its link) to the log,
//! for development and the demo.

use super::{SmsError, SmsMessage, SmsReceipt, SmsSender, SmsStatus};
use async_trait::async_trait;

/// Prints each message, link included, on one log line so a person running
/// the demo can click it. The only place a link token is ever logged.
#[derive(Default)]
pub struct ConsoleSender;

#[async_trait]
impl SmsSender for ConsoleSender {
    fn name(&self) -> &'static str {
        "console"
    }

    async fn send(&self, message: &SmsMessage<'_>) -> Result<SmsReceipt, SmsError> {
        let provider_id = format!("console-{}", uuid::Uuid::new_v4().simple());
        tracing::info!(target: "sms_console", to = %message.to, "SMS to {}: {}", message.to, message.body);
        Ok(SmsReceipt {
            provider_id,
            status: SmsStatus::Delivered,
        })
    }
}
