//! Persistence: one narrow trait per aggregate, each in its own file, and
//! [`Store`], their union, which the application holds as `Arc<dyn Store>`.
//! Each trait is implemented once per database ([`SqliteStore`],
//! [`PgStore`]), chosen by the `DATABASE_URL` scheme; the implementations
//! share their SQL (see `sql/`). The store runs SQL only: the business rules
//! it needs (past due, credit, which invoices are paid) are pure functions in
//! [`crate::domain`].

mod access;
mod api_keys;
mod cards;
mod client_log;
mod clients;
mod idempotency;
mod invoices;
mod jobs;
mod ledger;
mod links;
mod notices;
mod outbox;
mod payments;
mod postgres;
mod rate_limits;
mod receipts;
mod records;
mod refunds;
mod setup;
mod sqlite;
mod webhooks;

pub use access::AccessStore;
pub use api_keys::{ApiKeyStore, NewApiKey};
pub use cards::CardStore;
pub use client_log::ClientLogStore;
pub use clients::ClientStore;
pub use idempotency::IdempotencyStore;
pub use invoices::InvoiceStore;
pub use jobs::{JobRecord, JobStore};
pub use ledger::LedgerStore;
pub use links::{LinkStore, PayerLink};
pub use notices::{DeclineNoticeDue, NewNotice, NoticeOutcome, NoticeStore, SentNoticeRow};
pub use outbox::OutboxStore;
pub use payments::PaymentStore;
pub use postgres::PgStore;
pub use postgres::LISTENER_APPLICATION_NAME;
pub use rate_limits::RateLimitStore;
pub use receipts::ReceiptStore;
pub use records::*;
pub use refunds::{
    AmountLog, CreditRefundInsert, DisputeChange, NewCreditGrant, NewCreditRefund, NewRefund,
    OutsideRefund, RefundChange, RefundInsert, RefundStore,
};
pub use setup::SetupStore;
pub use sqlite::SqliteStore;
pub use webhooks::{
    AttemptRecord, ClaimedDelivery, DeliveryOutcome, NewWebhookEndpoint, WebhookDelivery,
    WebhookEndpoint, WebhookStore,
};

use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The payment would collect past due that is no longer owed, or apply
    /// credit the client no longer has: another payment collected or applied
    /// it, or is doing so, since the quote was made.
    #[error("the past due balance or credit in the quote no longer stands")]
    PastDueChanged,
    /// Another payment for the same vehicle is open (waiting for the
    /// gateway or the payer's bank): this one would pay the same period
    /// again. Refused before anything is charged (`409 payment_in_progress`).
    #[error("another payment for this vehicle is in progress")]
    VehiclePaymentInProgress,
    /// The vehicle's paid-through date is no longer the one the payment's
    /// quote was made from ([`NewPayment::expected_paid_through`]): another
    /// payment or a credit paid that period since, and this one would pay
    /// the following period instead. Refused before anything is charged
    /// (`409 quote_changed`).
    #[error("the vehicle's paid-through date moved since the quote")]
    PaidThroughChanged,
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

/// Everything the application asks of its database: the union of the
/// aggregates' stores. Each method is one business step, run in one
/// transaction where it writes more than one row. Any type that implements
/// every aggregate's trait is a `Store`.
pub trait Store:
    SetupStore
    + AccessStore
    + ApiKeyStore
    + ClientStore
    + CardStore
    + PaymentStore
    + RefundStore
    + InvoiceStore
    + LedgerStore
    + LinkStore
    + OutboxStore
    + RateLimitStore
    + ReceiptStore
    + IdempotencyStore
    + ClientLogStore
    + WebhookStore
    + JobStore
    + NoticeStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: SetupStore
        + AccessStore
        + ApiKeyStore
        + ClientStore
        + CardStore
        + PaymentStore
        + RefundStore
        + InvoiceStore
        + LedgerStore
        + LinkStore
        + OutboxStore
        + RateLimitStore
        + ReceiptStore
        + IdempotencyStore
        + ClientLogStore
        + WebhookStore
        + JobStore
        + NoticeStore
        + Send
        + Sync
        + ?Sized
{
}

/// Opens the database named by `url` (`sqlite:` or `postgres://`).
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
}
