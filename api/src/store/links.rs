//! Payment links: created with their SMS, opened, claimed by one redeem
//! (single use), paid or revoked.

use super::{NewLink, NewLogEntry, Result, StoreError};
use crate::domain::{
    AccountNow, Cents, Language, LinkPayer, LinkSender, LinkSentVia, LinkStatus, PaymentLink,
    Quote, SmsFailure, SmsFailureReason,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// Payment links and their lifecycle. A link becomes `paid` in
/// [`super::PaymentStore::record_payment_outcome`]'s transaction.
#[async_trait]
pub trait LinkStore: Send + Sync {
    /// Creates a link, queues its SMS and logs it, in one transaction. When
    /// the link renews another (`replaces`), that one is revoked in the same
    /// transaction if it is still `sent` or `opened`; otherwise nothing is
    /// written and the answer is `false` (it was renewed, paid or revoked
    /// meanwhile).
    async fn create_link(&self, link: &NewLink) -> Result<bool>;
    async fn link(&self, id: Uuid) -> Result<Option<PaymentLink>>;
    async fn link_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<PaymentLink>>;
    /// The link named by a token, with what its payer sees of the client, in
    /// one read (opening a link is the payer's most frequent request). The
    /// link's SMS status is left out: payers are not told it.
    async fn link_for_payer(&self, token_hash: &[u8]) -> Result<Option<PayerLink>>;
    /// A client's links, newest first.
    async fn client_links(&self, client_id: Uuid) -> Result<Vec<PaymentLink>>;
    /// `sent → opened` (first view).
    async fn mark_link_opened(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;
    /// The single-use rule: `sent|opened → paying` when unexpired at `now`.
    /// One conditional update; true for exactly one of concurrent callers.
    async fn claim_link(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;
    /// `paying → opened` for links claimed before `claimed_before` that have
    /// no open or succeeded payment: their redeem failed (a database error)
    /// before it wrote one. Returns how many.
    async fn release_stale_link_claims(
        &self,
        claimed_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64>;
    /// `sent|opened → revoked` with a log comment; false when not revocable.
    async fn revoke_link(&self, id: Uuid, log: &NewLogEntry, now: DateTime<Utc>) -> Result<bool>;
    /// Records the expiry of up to `limit` links whose `expires_at` is not
    /// after `now` and that were never paid or revoked (`sent` or `opened`),
    /// oldest first: each by one conditional update of `expired_at` (set once,
    /// to its `expires_at`) with its `link.expired` event written in the same
    /// transaction, so any number of callers at once record each expiry, and
    /// announce it, exactly once. Returns how many this call recorded.
    async fn record_link_expiries(&self, now: DateTime<Utc>, limit: i64) -> Result<u64>;
}

/// A link as its payer opens it.
#[derive(Clone, Debug)]
pub struct PayerLink {
    pub link: PaymentLink,
    /// The first name of the client the link bills.
    pub client_first_name: String,
    /// The last name of the client the link bills (for the short name a
    /// third-party payer sees, "Dana W.").
    pub client_last_name: String,
    /// The language of the client the link bills: the pay page starts in it.
    pub client_language: Language,
    /// The description of the vehicle the link pays for (empty if the
    /// vehicle is no longer the client's).
    pub vehicle_description: String,
    /// The client's account and the vehicle's paid-through date, read with
    /// the link: what [`crate::domain::link_outdated`] decides on.
    pub account_now: AccountNow,
}

/// A row of the payer's read: the link and two names.
#[derive(sqlx::FromRow)]
pub(super) struct PayerLinkRow {
    #[sqlx(flatten)]
    link: LinkRow,
    client_first_name: String,
    client_last_name: String,
    client_language: String,
    vehicle_description: Option<String>,
    /// `vehicles.paid_through` now (null when the vehicle is not the client's).
    vehicle_paid_through_now: Option<NaiveDate>,
    /// The client's running balance (their last ledger entry's), in cents.
    client_balance_cents: Option<i64>,
    /// What the client's open payments and credit refunds hold
    /// ([`crate::domain::ledger::account_at`]), in cents.
    client_held_cents: Option<i64>,
}

impl TryFrom<PayerLinkRow> for PayerLink {
    type Error = StoreError;
    fn try_from(r: PayerLinkRow) -> Result<PayerLink> {
        let client_language = Language::parse(&r.client_language).ok_or_else(|| {
            StoreError::Corrupt(format!("client of link {}: language", r.link.id))
        })?;
        Ok(PayerLink {
            account_now: AccountNow::from_ledger(
                Cents(r.client_balance_cents.unwrap_or(0)),
                Cents(r.client_held_cents.unwrap_or(0)),
                r.vehicle_paid_through_now,
            ),
            link: r.link.try_into()?,
            client_first_name: r.client_first_name,
            client_last_name: r.client_last_name,
            client_language,
            vehicle_description: r.vehicle_description.unwrap_or_default(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct LinkRow {
    id: Uuid,
    client_id: Uuid,
    vehicle_id: Uuid,
    phone: String,
    quote: sqlx::types::Json<Quote>,
    status: String,
    sent_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    opened_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    payment_id: Option<Uuid>,
    sms_status: Option<String>,
    sms_error_code: Option<i64>,
    sms_failure_reason: Option<String>,
    sent_via: Option<String>,
    sender_name: Option<String>,
    payer: Option<String>,
    vehicle_paid_through: Option<NaiveDate>,
}

impl TryFrom<LinkRow> for PaymentLink {
    type Error = StoreError;
    fn try_from(r: LinkRow) -> Result<PaymentLink> {
        Ok(PaymentLink {
            status: LinkStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("link {}: status", r.id)))?,
            id: r.id,
            client_id: r.client_id,
            vehicle_id: r.vehicle_id,
            phone: r.phone,
            quote: r.quote.0,
            sent_at: r.sent_at,
            expires_at: r.expires_at,
            opened_at: r.opened_at,
            paid_at: r.paid_at,
            revoked_at: r.revoked_at,
            payment_id: r.payment_id,
            sms_failure: (r.sms_status.as_deref() == Some("failed")).then(|| SmsFailure {
                reason: r
                    .sms_failure_reason
                    .as_deref()
                    .map_or(SmsFailureReason::Other, SmsFailureReason::parse),
                provider_code: r.sms_error_code,
            }),
            sms_status: r.sms_status,
            payer: match r.payer.as_deref() {
                Some("client") => LinkPayer::Client,
                _ => LinkPayer::ThirdParty,
            },
            sent_by: r
                .sent_via
                .as_deref()
                .and_then(LinkSentVia::parse)
                .map(|via| LinkSender {
                    via,
                    name: r.sender_name.unwrap_or_default(),
                }),
            vehicle_paid_through: r.vehicle_paid_through,
        })
    }
}
