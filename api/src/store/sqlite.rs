use super::sql::Backend;
use super::Result;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// The embedded default store: one file, no server.
pub struct SqliteStore {
    pool: SqlitePool,
    /// The same pool: SQLite's WAL with `synchronous = NORMAL` already
    /// commits without a sync per transaction.
    relaxed: SqlitePool,
}

impl Backend for SqliteStore {
    type Db = sqlx::Sqlite;
}

impl SqliteStore {
    const MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

    pub async fn connect(url: &str) -> Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
            }
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // an embedded database's connection cannot go away
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(SqliteStore {
            relaxed: pool.clone(),
            pool,
        })
    }

    /// SQLite lets one writer in at a time; taking the write lock when the
    /// transaction starts (IMMEDIATE) means waiting for it instead of failing
    /// with SQLITE_BUSY halfway through.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("begin immediate").await?)
    }

    /// Commits here do not wait for an fsync anyway (WAL, `synchronous = NORMAL`).
    async fn begin_write_as(
        &self,
        _: super::Commit,
    ) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>> {
        self.begin_write().await
    }
}

impl_store!(
    SqliteStore,
    next_invoice_number = "(select coalesce(max(number), 1000) + 1 from invoices)",
    // one writer at a time (BEGIN IMMEDIATE) already serialises these reads
    for_update = "",
    skip_locked = ""
);
