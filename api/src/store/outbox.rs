//! The SMS outbox: messages queued in the transaction of the change they
//! announce, sent by a worker with retries, and their delivery reports.

use super::{OutboxMessage, OutboxResult, Result};
use crate::domain::SmsFailure;
use crate::sms::SmsStatus;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The SMS outbox. Messages are queued by the stores of what they announce.
#[async_trait]
pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` due SMS (queued, or sending with an expired
    /// lease) until `lease_until`; each is claimed by one worker only.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
    /// Records how a send attempt ended.
    async fn finish_outbox(
        &self,
        id: Uuid,
        result: &OutboxResult,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// A provider's delivery report, with why it failed when it did. A report
    /// never moves a message out of `delivered` or `failed`.
    async fn outbox_delivery(
        &self,
        provider_id: &str,
        status: SmsStatus,
        failure: Option<SmsFailure>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Records that `phone` (E.164) answered STOP (`opted_out`) or START.
    async fn set_sms_opt_out(&self, phone: &str, opted_out: bool, now: DateTime<Utc>)
        -> Result<()>;
    /// Whether `phone` (E.164) has opted out of texts.
    async fn sms_opted_out(&self, phone: &str) -> Result<bool>;
}
