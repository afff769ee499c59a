use super::sql::Backend;
use super::Result;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// The production store.
pub struct PgStore {
    pool: PgPool,
    /// Commits without waiting for the WAL flush (`synchronous_commit = off`),
    /// for writes that cost nothing when a database crash loses them and
    /// that are followed by a durable commit before money moves: rate-limit
    /// counters, idempotency claims, link claims. A later durable commit
    /// flushes them too, since the WAL is written in order.
    relaxed: PgPool,
}

impl Backend for PgStore {
    type Db = sqlx::Postgres;
}

impl PgStore {
    const MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

    pub async fn connect(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(20)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options.clone())
            .await?;
        let relaxed = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with(options.options([("synchronous_commit", "off")]));
        Ok(PgStore { pool, relaxed })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }
}

impl_store!(
    PgStore,
    next_invoice_number = "nextval('invoice_number_seq')",
    for_update = "for update",
    skip_locked = "for update skip locked"
);
