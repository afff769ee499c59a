//! The production store: PostgreSQL.

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
    /// commit follows before money moves), and payment outcomes whose answer is
    /// stored durably before it is sent ([`super::Commit::Deferred`]). A
    /// later durable commit flushes them too, since the WAL is written in
    /// order.
    relaxed: PgPool,
}

/// The store struct the shared SQL implements the traits for.
type Backend = PgStore;
/// The database the shared SQL runs on.
type Db = sqlx::Postgres;

#[allow(
    clippy::duplicate_mod,
    reason = "the SQL is shared on purpose: compiled once per backend"
)]
#[path = "sql/mod.rs"]
mod sql;

/// The statements whose SQL differs from SQLite's.
mod dialect {
    /// PostgreSQL runs a data-modifying statement inside a `with` (one round trip for a counter and a read).
    pub(super) const DATA_MODIFYING_CTE: bool = true;

    /// Inserts an invoice numbered from the invoice number sequence.
    pub(super) const INSERT_INVOICE: &str = "insert into invoices (id, number, client_id, \
        vehicle_id, status, monitor_days, subtotal_cents, tax_cents, past_due_cents, total_cents, \
        created_by, issued_at, created_at, updated_at) \
        values ($1, nextval('invoice_number_seq'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
        $12, $12) returning number";

    /// Inserts a receipt numbered from the receipt number sequence.
    pub(super) const INSERT_RECEIPT: &str = "insert into receipts (id, number, payment_id, \
        client_id, reference_hash, issued_at, time_zone, location_name, payer, card_brand, \
        card_last4, lines, total_cents, currency, vehicles, created_at, updated_at) \
        values ($1, nextval('receipt_number_seq'), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
        $12, $13, $14, $5, $5) returning number";

    /// Locks client `$1` until the transaction ends.
    pub(super) const LOCK_CLIENT: &str = "select id from clients where id = $1 for update";

    /// Locks the client of payment `$1` until the transaction ends.
    pub(super) const LOCK_PAYMENT_CLIENT: &str = "select id from clients \
        where id = (select client_id from payments where id = $1) for update";

    /// Leases due SMS; concurrent workers skip the rows another one holds.
    /// Leases due webhook deliveries of enabled endpoints (one worker each).
    pub(super) const CLAIM_WEBHOOKS: &str = "update webhook_deliveries set status = 'sending', \
        attempts = attempts + 1, next_attempt_at = $2, updated_at = $1 \
        where id in (select d.id from webhook_deliveries d \
            where d.status in ('pending', 'sending') and d.next_attempt_at <= $1 \
            and d.endpoint_id in (select w.id from webhook_endpoints w where w.status = 'enabled') \
            order by d.next_attempt_at limit $3 for update skip locked) \
        returning id, endpoint_id, event_id, attempts, retry_until, \
        (select e.payload from webhook_events e where e.id = webhook_deliveries.event_id) as payload, \
        (select w.url from webhook_endpoints w where w.id = webhook_deliveries.endpoint_id) as url, \
        (select w.secret_sealed from webhook_endpoints w \
            where w.id = webhook_deliveries.endpoint_id) as secret_sealed";

    pub(super) const CLAIM_OUTBOX: &str = "update sms_outbox set status = 'sending', \
        attempts = attempts + 1, next_attempt_at = $2, updated_at = $1 \
        where id in (select id from sms_outbox \
            where status in ('queued', 'sending') and next_attempt_at <= $1 \
            order by next_attempt_at limit $3 for update skip locked) \
        returning id, to_phone, body_sealed, attempts, \
        (select l.expires_at from payment_links l \
            where l.id = sms_outbox.payment_link_id) as link_expires_at, \
        (select l.status in ('revoked', 'paid') from payment_links l \
            where l.id = sms_outbox.payment_link_id) as link_closed";
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

    /// Listens to `auth_changes` (the notices of migration 0030's triggers)
    /// on a connection of its own, in the background, and applies each to
    /// `cache`: live while listening, bypassed and emptied from the moment
    /// the connection is lost until it listens again (retried every
    /// [`RELISTEN_AFTER`]). Ends when the cache or the pool goes.
    fn watch_auth_changes_with(&self, cache: std::sync::Arc<crate::auth::cache::AuthCache>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // no runtime, no listener: the cache stays off
        };
        let pool = self.pool.clone();
        let cache = std::sync::Arc::downgrade(&cache);
        runtime.spawn(listen_auth_changes(pool, cache));
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

/// How long the auth-change listener waits before listening again after its
/// connection failed (the cache is bypassed meanwhile).
const RELISTEN_AFTER: Duration = Duration::from_secs(1);

async fn listen_auth_changes(pool: PgPool, cache: std::sync::Weak<crate::auth::cache::AuthCache>) {
    use crate::auth::cache::{AuthChange, CHANNEL};
    loop {
        if pool.is_closed() || cache.strong_count() == 0 {
            return;
        }
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "auth change listener: cannot connect; checks read the database");
                tokio::time::sleep(RELISTEN_AFTER).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "auth change listener: LISTEN failed; checks read the database");
            tokio::time::sleep(RELISTEN_AFTER).await;
            continue;
        }
        match cache.upgrade() {
            Some(cache) => cache.set_live(true),
            None => return,
        }
        loop {
            // `try_recv` answers `None` once when the connection is lost
            // (notices sent meanwhile are gone): stop serving at once.
            let received = listener.try_recv().await;
            let Some(cache) = cache.upgrade() else {
                return;
            };
            match received {
                Ok(Some(notice)) => cache.apply(AuthChange::parse(notice.payload())),
                Ok(None) | Err(_) => {
                    cache.set_live(false);
                    tracing::warn!(
                        "auth change listener: connection lost; checks read the database"
                    );
                    break;
                }
            }
        }
        tokio::time::sleep(RELISTEN_AFTER).await;
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
