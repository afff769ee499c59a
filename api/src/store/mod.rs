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

use crate::domain::{Client, ClientSummary};
use async_trait::async_trait;
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
    async fn client_login_by_email(&self, email: &str) -> Result<Option<ClientCredentials>>;

    /// Clients whose name, phone or email contains `query` (case-insensitive).
    async fn search_clients(&self, query: &str, limit: i64) -> Result<Vec<ClientSummary>>;
    /// A client with location, vehicles, cards on file and past due balance.
    async fn client(&self, id: Uuid) -> Result<Option<Client>>;
}

/// Opens the database named by `url` (`sqlite:` or `postgres://`).
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
}
