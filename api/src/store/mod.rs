//! Persistence: one narrow `Store` trait the domain calls, one implementation
//! per database, chosen by the `DATABASE_URL` scheme.

#[macro_use]
mod sql;
mod postgres;
mod records;
mod sqlite;

pub use postgres::PgStore;
pub use records::*;
pub use sqlite::SqliteStore;

use crate::domain::{Card, Client, ClientSummary, Invoice, LogEntry, Payment, PaymentLink};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The payment would collect past due that is no longer owed: another
    /// payment collected it, or is collecting it, since the quote was made.
    #[error("the past due balance in the quote is no longer owed")]
    PastDueChanged,
}

impl StoreError {
    /// The database is out of reach or asked us to try again (restart,
    /// failover, lost connection, deadlock, busy): worth a retry, not a bug.
    pub fn is_transient(&self) -> bool {
        let StoreError::Database(error) = self else {
            return false;
        };
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            // PostgreSQL: connection exceptions (08), shutdown (57P),
            // serialization failure and deadlock; SQLite: busy (5, 517).
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08")
                    || code.starts_with("57P")
                    || matches!(code.as_ref(), "40001" | "40P01" | "5" | "517")
            }),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything the application asks of its database. Each method is one
/// business step, run in one transaction where it writes more than one row.
#[async_trait]
pub trait Store: Send + Sync {
    async fn migrate(&self) -> Result<()>;
    /// Cheap round trip for `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// True when no staff user exists yet (a fresh database).
    async fn is_empty(&self) -> Result<bool>;
    /// Inserts a whole data set (demo data) in one transaction.
    async fn seed(&self, data: &SeedData) -> Result<()>;

    async fn staff_by_email(&self, email: &str) -> Result<Option<StaffCredentials>>;

    /// Records a sign-in: session `id` for `subject` (a staff user with
    /// `role`, or a client with none) on `audience` (`plus`, `myaccount`).
    async fn create_session(
        &self,
        id: Uuid,
        audience: &str,
        subject: Uuid,
        role: Option<&str>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()>;
    /// Whether session `id` still stands at `now`: not signed out, not
    /// expired, and its staff user still exists with the role it signed in
    /// with (or its client still has a login).
    async fn session_active(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;
    /// Signs session `id` of `subject` out; false when there was none to end.
    async fn revoke_session(&self, id: Uuid, subject: Uuid, now: DateTime<Utc>) -> Result<bool>;
    /// Deletes sessions that expired before `before`; returns how many.
    async fn purge_sessions(&self, before: DateTime<Utc>) -> Result<u64>;
    async fn client_login_by_email(&self, email: &str) -> Result<Option<ClientCredentials>>;

    /// Clients whose name, phone or email contains `query` (case-insensitive).
    async fn search_clients(&self, query: &str, limit: i64) -> Result<Vec<ClientSummary>>;
    /// A client with location, vehicles, cards on file and past due balance.
    async fn client(&self, id: Uuid) -> Result<Option<Client>>;
    /// In one query, what a quote or a payment link needs: the client as
    /// [`Store::client`] but with only `vehicle_id` among the vehicles (none
    /// when it is not theirs) and no cards.
    async fn client_with_vehicle(&self, id: Uuid, vehicle_id: Uuid) -> Result<Option<Client>>;

    /// Starts a request under an idempotency key (see [`IdempotencyBegin`]).
    /// An in-progress claim last touched before `stale_before` is taken over.
    async fn idempotency_begin(
        &self,
        principal: &str,
        key: &str,
        request_hash: &[u8],
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<IdempotencyBegin>;
    /// Stores the answer replayed to retries of the same request.
    async fn idempotency_complete(
        &self,
        principal: &str,
        key: &str,
        status: i64,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Forgets an unfinished claim so the request can be retried.
    async fn idempotency_release(&self, principal: &str, key: &str) -> Result<()>;

    /// Records a payment before its gateway call; when a payment with the
    /// same gateway key exists, returns that one instead, its `updated_at`
    /// set to now when it is still open (a retry is about to charge it again).
    /// A new payment whose quote collects more past due than is owed now is
    /// refused with [`StoreError::PastDueChanged`] (its link, if it claimed
    /// one, is released).
    async fn insert_payment(&self, payment: &NewPayment) -> Result<Payment>;
    async fn payment(&self, id: Uuid) -> Result<Option<Payment>>;
    async fn payment_by_gateway_key(&self, gateway_key: &str) -> Result<Option<Payment>>;
    /// In one transaction: marks the payment succeeded, creates its invoice
    /// from the quote snapshot, settles open invoices it paid off, extends the
    /// vehicle's paid-through date and writes the client log (with the
    /// invoice number appended). A payment already succeeded is returned as is.
    async fn settle_payment(&self, settlement: &Settlement) -> Result<Payment>;
    /// Marks an open payment failed and logs it; a final payment is returned as is.
    /// With `untouched_since`, only a payment not updated since then (the
    /// reconciler's verdict on a charge the gateway never saw must not hit a
    /// retry that is charging it now).
    async fn fail_payment(
        &self,
        id: Uuid,
        failure_code: &str,
        log: &NewLogEntry,
        now: DateTime<Utc>,
        untouched_since: Option<DateTime<Utc>>,
    ) -> Result<Payment>;
    async fn mark_payment_unknown(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;
    /// `pending | unknown | failed → held_for_review` with `reason` (kept as the
    /// payment's `failure_code`) and the gateway's reference, in one
    /// transaction with `log`: no invoice, no paid-through, and its payment
    /// link, while still payable, is revoked (money may have been taken: the
    /// payer must not pay again before a person looks). A succeeded or held
    /// payment is left as it is. Returns the payment as stored.
    async fn hold_payment(
        &self,
        id: Uuid,
        reason: &str,
        gateway_reference: &str,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<Payment>;
    /// `pending → requires_action` with the gateway's reference of the charge
    /// (Stripe's PaymentIntent id, which the confirm retrieves): the bank asks
    /// the payer to authenticate. False when the payment was not `pending`.
    async fn mark_payment_requires_action(
        &self,
        id: Uuid,
        gateway_reference: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Payments in `requires_action` since before `since_before` (their payer
    /// left without finishing): the status sync cancels them.
    async fn payments_awaiting_authentication(
        &self,
        since_before: DateTime<Utc>,
    ) -> Result<Vec<Payment>>;
    /// The gateway's customer kept for the client (Stripe: `cus_…`), if any.
    async fn gateway_customer_id(&self, client_id: Uuid) -> Result<Option<String>>;
    /// Keeps `customer_id` as the client's gateway customer unless one is
    /// kept already; returns the one kept (the first, when two saves raced).
    async fn keep_gateway_customer_id(
        &self,
        client_id: Uuid,
        customer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<String>;
    /// Payments to reconcile: every `unknown` one, and `pending` ones older than `pending_before`.
    async fn open_payments(&self, pending_before: DateTime<Utc>) -> Result<Vec<Payment>>;
    /// A client's payments, newest first.
    async fn client_payments(&self, client_id: Uuid) -> Result<Vec<Payment>>;

    /// A client's invoices with their lines, newest first.
    async fn client_invoices(&self, client_id: Uuid) -> Result<Vec<Invoice>>;
    /// Adds an invoice and its client log comment in one transaction.
    async fn add_invoice(
        &self,
        invoice: &NewInvoice,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// A client's card on file with the reference the gateway charges.
    async fn chargeable_card(
        &self,
        client_id: Uuid,
        card_id: Uuid,
    ) -> Result<Option<ChargeableCard>>;
    async fn add_card(&self, card: &NewCard, log: &NewLogEntry, now: DateTime<Utc>)
        -> Result<Card>;
    async fn remove_card(
        &self,
        client_id: Uuid,
        card_id: Uuid,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<CardRemoval>;
    /// Enrols (`Some(card)`) or withdraws (`None`) a client from Auto Pay.
    async fn set_autopay(
        &self,
        client_id: Uuid,
        card_id: Option<Uuid>,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Vehicles of Auto Pay clients (at locations taking payments) paid only through `through` or less.
    async fn autopay_due(&self, through: NaiveDate) -> Result<Vec<AutopayDue>>;

    /// Creates a link, queues its SMS and logs it, in one transaction.
    async fn create_link(&self, link: &NewLink) -> Result<()>;
    async fn link(&self, id: Uuid) -> Result<Option<PaymentLink>>;
    async fn link_by_token_hash(&self, token_hash: &[u8]) -> Result<Option<PaymentLink>>;
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

    /// Claims up to `limit` due SMS (queued, or sending with an expired
    /// lease) until `lease_until`; each is claimed by one worker only.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
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
        status: crate::sms::SmsStatus,
        failure: Option<crate::domain::SmsFailure>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Counts one hit in `bucket`'s window `[window_start, window_end)`;
    /// returns the hits so far. A hit stamped with a window older than the
    /// stored one counts into the stored one (it never resets the count).
    async fn rate_limit_hit(
        &self,
        bucket: &str,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<i64>;
    /// Deletes the buckets whose window ended at or before `now`; returns how many.
    async fn purge_rate_limits(&self, now: DateTime<Utc>) -> Result<u64>;
    /// Hits in `bucket`'s window starting at `window_start`, without counting one.
    async fn rate_limit_count(&self, bucket: &str, window_start: DateTime<Utc>) -> Result<i64>;

    /// Payments and links by status, SMS waiting to be sent, failed SMS by reason.
    async fn business_counts(&self) -> Result<BusinessCounts>;

    async fn add_log(&self, entry: &NewLogEntry, now: DateTime<Utc>) -> Result<()>;
    /// A client's log, newest first.
    async fn client_log(&self, client_id: Uuid) -> Result<Vec<LogEntry>>;
}

/// Opens the database named by `url` (`sqlite:` or `postgres://`).
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
}
