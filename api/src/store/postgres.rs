//! The production store: PostgreSQL.

use super::Result;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::Connection;
use std::str::FromStr;
use std::time::Duration;

use crate::auth::cache::{SentAlive, ALIVE_FOR, ALIVE_NOTICE_EVERY};

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
    /// How the auth-change listener connects: the pool's server and
    /// credentials, under its own `application_name`, with TCP keepalives.
    listener: PgConnectOptions,
}

/// The `application_name` of the auth-change listener's connection, as
/// `pg_stat_activity` shows it.
pub const LISTENER_APPLICATION_NAME: &str = "payments-api auth listener";

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
        let relaxed = pool_options(10)
            .connect_lazy_with(options.clone().options([("synchronous_commit", "off")]));
        // The server probes the listener's idle connection, so that it ends a
        // session whose client is gone; the client side proves itself with
        // its `alive` notices (`listen_auth_changes`).
        let listener = options
            .application_name(LISTENER_APPLICATION_NAME)
            .options([
                ("tcp_keepalives_idle", "10"),
                ("tcp_keepalives_interval", "5"),
                ("tcp_keepalives_count", "3"),
            ]);
        Ok(PgStore {
            pool,
            relaxed,
            listener,
        })
    }

    /// Listens to `auth_changes` (the notices of migration 0030's triggers)
    /// on a connection of its own, in the background, and applies each to
    /// `cache`, which is live only while notices are heard (see
    /// `crate::auth::cache`): bypassed and emptied from the moment the
    /// connection is lost, or silent for [`ALIVE_FOR`], until notices are
    /// heard again (listening again every [`RELISTEN_AFTER`]). Ends when the
    /// cache or the pool goes.
    fn watch_auth_changes_with(&self, cache: std::sync::Arc<crate::auth::cache::AuthCache>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // no runtime, no listener: the cache stays off
        };
        let pool = self.pool.clone();
        let options = self.listener.clone();
        let cache = std::sync::Arc::downgrade(&cache);
        runtime.spawn(listen_auth_changes(pool, options, cache));
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

type WeakCache = std::sync::Weak<crate::auth::cache::AuthCache>;

async fn listen_auth_changes(pool: PgPool, options: PgConnectOptions, cache: WeakCache) {
    // This instance's proof that notices reach its listener: a notice of its
    // own sent through the ordinary pool, as every change's is, every
    // ALIVE_NOTICE_EVERY (every listener hears every instance's; only its
    // own count, from when they were sent: `SentAlive`).
    let sent = std::sync::Arc::new(SentAlive::default());
    let alive = tokio::spawn({
        let pool = pool.clone();
        let sent = sent.clone();
        async move {
            let mut every = tokio::time::interval(ALIVE_NOTICE_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let _ = send_alive(&pool, &sent).await;
            }
        }
    });
    loop {
        if pool.is_closed() || cache.strong_count() == 0 {
            break;
        }
        let lost = match listen_until_lost(&pool, &options, &cache, &sent).await {
            Some(lost) => lost,
            None => break, // the app is gone
        };
        let Some(live) = cache.upgrade() else {
            break;
        };
        live.stop();
        tracing::warn!("auth change listener: {lost}; checks read the database");
        tokio::time::sleep(RELISTEN_AFTER).await;
    }
    alive.abort();
}

/// Sends one `alive` notice of this instance's, noted in `sent` first.
async fn send_alive(pool: &PgPool, sent: &SentAlive) -> std::result::Result<(), sqlx::Error> {
    let id = uuid::Uuid::new_v4();
    sent.record(id, std::time::Instant::now());
    send_notice(pool, &format!("alive:{id}")).await
}

async fn send_notice(pool: &PgPool, payload: &str) -> std::result::Result<(), sqlx::Error> {
    use crate::auth::cache::CHANNEL;
    sqlx::query("select pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Listens on a new connection and applies what it hears until the
/// connection is lost or falls silent: why, or `None` when the cache went.
async fn listen_until_lost(
    pool: &PgPool,
    options: &PgConnectOptions,
    cache: &WeakCache,
    sent: &SentAlive,
) -> Option<String> {
    use crate::auth::cache::{AuthChange, CHANNEL};
    // A pool of its own for the one connection, closed with it: a connection
    // that fell silent is never handed out again.
    let own = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options.clone());
    let lost = async {
        let mut listener = sqlx::postgres::PgListener::connect_with(&own)
            .await
            .map_err(|error| format!("cannot connect ({error})"))?;
        listener.eager_reconnect(false);
        listener
            .listen(CHANNEL)
            .await
            .map_err(|error| format!("LISTEN failed ({error})"))?;
        // Live from the first of its own notices heard, not before: say one
        // now.
        let _ = send_alive(pool, sent).await;
        // Replaced when none of its own notices was heard for ALIVE_FOR
        // (others' notices may still flow: they prove nothing).
        let mut deadline = tokio::time::Instant::now() + ALIVE_FOR;
        loop {
            // The connection is dropped when this times out, so a wait cut
            // short never leaves a half-read message behind.
            let heard = tokio::time::timeout_at(deadline, listener.try_recv()).await;
            let Some(cache) = cache.upgrade() else {
                return Ok(());
            };
            match heard {
                Ok(Ok(Some(notice))) => match AuthChange::parse(notice.payload()) {
                    AuthChange::Alive(id) => {
                        if let Some(sent_at) = sent.heard(id) {
                            cache.prove_alive(sent_at);
                            deadline = tokio::time::Instant::now() + ALIVE_FOR;
                        }
                    }
                    change => cache.apply(change),
                },
                // `try_recv` answers `None` once when the connection is lost
                // (notices sent meanwhile are gone): stop serving at once.
                Ok(Ok(None)) => return Err("connection lost".to_owned()),
                Ok(Err(error)) => return Err(format!("connection failed ({error})")),
                Err(_) => {
                    return Err(format!(
                        "none of its own notices heard for {} s (a dead or pooled connection)",
                        ALIVE_FOR.as_secs()
                    ))
                }
            }
        }
    }
    .await;
    // Closed in the background: a half-open connection may take its time.
    tokio::spawn(async move { own.close().await });
    lost.err()
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
