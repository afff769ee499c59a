//! The embedded default store: SQLite.

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

/// The store struct the shared SQL implements the traits for.
type Backend = SqliteStore;
/// The database the shared SQL runs on.
type Db = sqlx::Sqlite;

#[allow(
    clippy::duplicate_mod,
    reason = "the SQL is shared on purpose: compiled once per backend"
)]
#[path = "sql/mod.rs"]
mod sql;

/// The statements whose SQL differs from PostgreSQL's. SQLite lets one
/// writer in at a time and every write transaction takes the write lock when
/// it starts (`begin immediate`): that already serialises what PostgreSQL
/// locks rows for, so the locks here are plain reads.
mod dialect {
    /// Inserts an invoice numbered one above the highest number so far.
    pub(super) const INSERT_INVOICE: &str = "insert into invoices (id, number, client_id, \
        vehicle_id, status, monitor_days, subtotal_cents, tax_cents, past_due_cents, total_cents, \
        created_by, issued_at, created_at, updated_at) \
        values ($1, (select coalesce(max(number), 1000) + 1 from invoices), $2, $3, $4, $5, $6, \
        $7, $8, $9, $10, $11, $12, $12) returning number";

    /// Inserts a receipt numbered one above the highest number so far.
    pub(super) const INSERT_RECEIPT: &str = "insert into receipts (id, number, payment_id, \
        client_id, reference_hash, issued_at, time_zone, location_name, payer, card_brand, \
        card_last4, lines, total_cents, currency, vehicles, created_at, updated_at) \
        values ($1, (select coalesce(max(number), 0) + 1 from receipts), $2, $3, $4, $5, $6, \
        $7, $8, $9, $10, $11, $12, $13, $14, $5, $5) returning number";

    /// Reads client `$1` (the write lock is already held).
    pub(super) const LOCK_CLIENT: &str = "select id from clients where id = $1";

    /// Reads the client of payment `$1` (the write lock is already held).
    pub(super) const LOCK_PAYMENT_CLIENT: &str =
        "select id from clients where id = (select client_id from payments where id = $1)";

    /// Leases due SMS (one writer at a time: no two workers take a row).
    /// Leases due webhook deliveries of enabled endpoints (one worker each).
    pub(super) const CLAIM_WEBHOOKS: &str = "update webhook_deliveries set status = 'sending', \
        attempts = attempts + 1, next_attempt_at = $2, updated_at = $1 \
        where id in (select d.id from webhook_deliveries d \
            where d.status in ('pending', 'sending') and d.next_attempt_at <= $1 \
            and d.endpoint_id in (select w.id from webhook_endpoints w where w.status = 'enabled') \
            order by d.next_attempt_at limit $3) \
        returning id, endpoint_id, event_id, attempts, retry_until, \
        (select e.payload from webhook_events e where e.id = webhook_deliveries.event_id) as payload, \
        (select w.url from webhook_endpoints w where w.id = webhook_deliveries.endpoint_id) as url, \
        (select w.secret_sealed from webhook_endpoints w \
            where w.id = webhook_deliveries.endpoint_id) as secret_sealed";

    pub(super) const CLAIM_OUTBOX: &str = "update sms_outbox set status = 'sending', \
        attempts = attempts + 1, next_attempt_at = $2, updated_at = $1 \
        where id in (select id from sms_outbox \
            where status in ('queued', 'sending') and next_attempt_at <= $1 \
            order by next_attempt_at limit $3) \
        returning id, to_phone, body_sealed, attempts, \
        (select l.expires_at from payment_links l \
            where l.id = sms_outbox.payment_link_id) as link_expires_at, \
        (select l.status in ('revoked', 'paid') from payment_links l \
            where l.id = sms_outbox.payment_link_id) as link_closed";
}

impl SqliteStore {
    /// The cache of checked sessions stays off on SQLite (`auth::cache`).
    fn watch_auth_changes_with(&self, _cache: std::sync::Arc<crate::auth::cache::AuthCache>) {}

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

#[cfg(test)]
mod tests {
    use super::SqliteStore;
    use sqlx::Row;

    /// SQLite's query plan of `sql`, one line per step (`SCAN t` reads all of
    /// table `t`; `SEARCH t USING INDEX …` seeks in it).
    async fn plan(pool: &sqlx::SqlitePool, sql: &str) -> Vec<String> {
        sqlx::raw_sql(&format!("explain query plan {sql}"))
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"))
            .iter()
            .map(|row| row.get::<String, _>("detail"))
            .collect()
    }

    /// Whole reads of tables that hold configuration, not history, by the
    /// query that makes them: the webhook endpoints an admin registered (a
    /// handful), which every event is matched against.
    const CONFIGURATION_SCANS: [(&str, &str); 1] = [("webhook_deliveries_of_two_events", "SCAN w")];

    /// No statement of the hot paths reads a whole table: each finds its rows
    /// through an index, so a request costs the same however much history
    /// the tables hold (a link's read once scanned the SMS outbox).
    #[tokio::test]
    async fn the_hot_paths_read_through_indexes() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        SqliteStore::MIGRATOR.run(&pool).await.unwrap();
        for (name, sql) in super::sql::hot_queries() {
            let steps = plan(&pool, &sql).await;
            let scans: Vec<&String> = steps
                .iter()
                .filter(|step| step.starts_with("SCAN ") && step != &"SCAN CONSTANT ROW")
                .filter(|step| !CONFIGURATION_SCANS.contains(&(name, step.as_str())))
                .collect();
            assert!(
                scans.is_empty(),
                "{name} reads a whole table: {steps:?}\n{sql}"
            );
        }
    }
}
