//! Texts the product sends on its own (reminders, Auto Pay notices), each
//! once per subject and period, and what PLUS Web shows of them.

use super::{NewLogEntry, Result};
use crate::domain::NoticeKind;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A notice to send: its text (sealed, as every outbox body), where to, and
/// the key that makes it go once.
#[derive(Clone, Debug)]
pub struct NewNotice {
    pub kind: NoticeKind,
    pub client_id: Uuid,
    /// The vehicle (reminders, Auto Pay notices) or the card (its expiry).
    pub subject_id: Uuid,
    /// The period it is about: the paid-through date, or the card's expiry month.
    pub period: String,
    /// E.164.
    pub to_phone: String,
    pub body_sealed: Vec<u8>,
    /// What staff see as the last notice ("Payment reminder: $176.49 due by Dec 12").
    pub summary: String,
    pub log: NewLogEntry,
    pub now: DateTime<Utc>,
}

/// What became of a notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeOutcome {
    /// Queued in the SMS outbox, with its Client Log line.
    Queued,
    /// Sent before (this or another instance, an earlier run): nothing done.
    AlreadySent,
    /// The phone answered STOP: nothing sent, nothing kept (a later run,
    /// after START, may send it).
    OptedOut,
}

/// The last notice sent to a client, as PLUS Web shows it.
#[derive(Clone, Debug)]
pub struct SentNoticeRow {
    pub kind: NoticeKind,
    pub summary: String,
    pub to_phone: String,
    pub sent_at: DateTime<Utc>,
    /// The outbox message's status (`queued`, `sending`, `sent`, `delivered`, `failed`).
    pub sms_status: String,
    pub vehicle_id: Option<Uuid>,
}

/// Notices and the candidates of the jobs that send them.
#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// In one transaction: keeps the notice under its unique key (kind,
    /// subject, period), queues its SMS and writes its Client Log line,
    /// unless it was sent before or its phone opted out of texts.
    async fn record_notice(&self, notice: &NewNotice) -> Result<NoticeOutcome>;
    /// The client's most recent notice, if any.
    async fn last_notice(&self, client_id: Uuid) -> Result<Option<SentNoticeRow>>;
    /// Clients of location `location_id` a notice may be due to: those with
    /// a vehicle paid through `from` to `through` (both included), and
    /// those on Auto Pay with a card.
    async fn notice_candidates(
        &self,
        location_id: Uuid,
        from: NaiveDate,
        through: NaiveDate,
    ) -> Result<Vec<Uuid>>;
    /// Clients of location `location_id` with a vehicle whose next service
    /// appointment starts in `from..until` (UTC instants; a superset of the
    /// business days a reminder is due for: the rule decides).
    async fn appointment_candidates(
        &self,
        location_id: Uuid,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Uuid>>;
    /// The clients whose phone is `phone` (E.164), for a text they sent.
    async fn clients_by_phone(&self, phone: &str) -> Result<Vec<Uuid>>;
    /// When `phone` (E.164) opted out of texts, if it has.
    async fn sms_opted_out_at(&self, phone: &str) -> Result<Option<DateTime<Utc>>>;
    /// The declined Auto Pay payments whose notice is still to be queued
    /// (kept by [`super::PaymentStore::fail_payment`]) and that nobody holds
    /// at `now` (never claimed, or claimed until before it), oldest first,
    /// each with the period its charge was for.
    async fn decline_notices_due(&self, now: DateTime<Utc>) -> Result<Vec<DeclineNoticeDue>>;
    /// Takes the owed notice of declined payment `payment_id` until `until`,
    /// with one conditional update: true for exactly one of any number of
    /// callers at once (two status syncs, a sync and the Auto Pay run);
    /// false when another holds it or it is no longer owed. The holder ends
    /// it with [`NoticeStore::decline_notice_done`] or, when the notice could
    /// not be queued, [`NoticeStore::release_decline_notice`]; a holder that
    /// stopped leaves it to lapse at `until`.
    async fn claim_decline_notice(
        &self,
        payment_id: Uuid,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Gives back a claimed notice that could not be queued: owed again, for
    /// the next status sync.
    async fn release_decline_notice(&self, payment_id: Uuid, now: DateTime<Utc>) -> Result<()>;
    /// The notice of declined payment `payment_id` was queued (or needs
    /// none): it is no longer due.
    async fn decline_notice_done(&self, payment_id: Uuid) -> Result<()>;
}

/// A declined Auto Pay charge still owed its notice.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DeclineNoticeDue {
    pub payment_id: Uuid,
    /// The period the charge was for, as Auto Pay keys it
    /// ([`crate::domain::period_key`]: the vehicle's paid-through date then,
    /// or `unpaid`), kept with the payment (`payments.period`); `None` for a
    /// charge written before it was kept.
    pub period: Option<String>,
}
