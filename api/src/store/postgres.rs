use super::sql::Backend;
use super::Result;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Connection;
use std::str::FromStr;
use std::time::Duration;

/// The production store.
pub struct PgStore {
    pool: PgPool,
    /// Commits without waiting for the WAL flush (`synchronous_commit = off`),
    /// for writes that cost nothing when a database crash loses them:
    /// rate-limit counters, idempotency claims and link claims (a durable
    /// commit follows before money moves), and settlements whose answer is
    /// stored durably before it is sent ([`super::Commit::Deferred`]). A
    /// later durable commit flushes them too, since the WAL is written in
    /// order.
    relaxed: PgPool,
}

impl Backend for PgStore {
    type Db = sqlx::Postgres;
}

impl PgStore {
    const MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

    pub async fn connect(url: &str) -> Result<PgStore> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = pool_options(20).connect_with(options.clone()).await?;
        let relaxed =
            pool_options(10).connect_lazy_with(options.options([("synchronous_commit", "off")]));
        Ok(PgStore { pool, relaxed })
    }

    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    async fn begin_write_as(
        &self,
        commit: super::Commit,
    ) -> Result<sqlx::Transaction<'_, sqlx::Postgres>> {
        Ok(match commit {
            super::Commit::Durable => self.pool.begin().await?,
            super::Commit::Deferred => self.relaxed.begin().await?,
        })
    }
}

/// sqlx pings every connection it takes out of the pool, a round trip in
/// the request's path for each statement outside a transaction. It also
/// pings every connection it puts back (off the request's path), so a
/// connection idle for less than [`TRUSTED_IDLE`] answered a moment ago;
/// only connections idle longer are pinged before use. A PostgreSQL restart
/// or failover takes longer than that, so no connection from before it is
/// handed out unchecked (`instances::a_postgresql_crash_…`, its idle restart).
const TRUSTED_IDLE: Duration = Duration::from_millis(100);

fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= TRUSTED_IDLE {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

impl_store!(
    PgStore,
    next_invoice_number = "nextval('invoice_number_seq')",
    for_update = "for update",
    skip_locked = "for update skip locked"
);
