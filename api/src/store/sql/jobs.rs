//! [`JobStore`] in SQL, compiled once per backend (see `sql/mod.rs`).

use super::Backend;
use crate::store::{JobRecord, JobStore, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Taken when free, or when its holder's lease expired: the insert, or the
/// update its `where` allows, is one conditional write.
const ACQUIRE: &str = "insert into leases (name, holder, expires_at, acquired_at) \
    values ($1, $2, $4, $3) \
    on conflict (name) do update set holder = excluded.holder, \
        expires_at = excluded.expires_at, acquired_at = excluded.acquired_at \
    where leases.expires_at <= $3";

const RENEW: &str = "update leases set expires_at = $3 where name = $1 and holder = $2";

const RELEASE: &str = "delete from leases where name = $1 and holder = $2";

const LEASE: &str = "select holder, expires_at from leases where name = $1";

const RECORD: &str = "select name, last_started_at, last_succeeded_at, last_failed_at \
    from scheduled_jobs where name = $1";

const RECORDS: &str = "select name, last_started_at, last_succeeded_at, last_failed_at \
    from scheduled_jobs order by name";

const STARTED: &str = "insert into scheduled_jobs (name, last_started_at, updated_at) \
    values ($1, $2, $2) \
    on conflict (name) do update set last_started_at = excluded.last_started_at, \
        updated_at = excluded.updated_at";

const SUCCEEDED: &str = "update scheduled_jobs set last_succeeded_at = $2, last_error = null, \
    updated_at = $2 where name = $1";

const FAILED: &str = "update scheduled_jobs set last_failed_at = $2, last_error = $3, \
    updated_at = $2 where name = $1";

const PURGE_IDEMPOTENCY: &str = "delete from idempotency_keys where created_at < $1";

const PURGE_EARLY_REPORTS: &str = "delete from sms_early_reports where received_at < $1";

type RecordRow = (
    String,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn record((name, last_started_at, last_succeeded_at, last_failed_at): RecordRow) -> JobRecord {
    JobRecord {
        name,
        last_started_at,
        last_succeeded_at,
        last_failed_at,
    }
}

#[async_trait]
impl JobStore for Backend {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let taken = sqlx::query(ACQUIRE)
            .bind(name)
            .bind(holder)
            .bind(now)
            .bind(until)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(taken == 1)
    }

    async fn renew_lease(&self, name: &str, holder: &str, until: DateTime<Utc>) -> Result<bool> {
        let renewed = sqlx::query(RENEW)
            .bind(name)
            .bind(holder)
            .bind(until)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(renewed == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query(RELEASE)
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn lease(&self, name: &str) -> Result<Option<(String, DateTime<Utc>)>> {
        Ok(sqlx::query_as(LEASE)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn job_record(&self, name: &str) -> Result<JobRecord> {
        let row: Option<RecordRow> = sqlx::query_as(RECORD)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(record).unwrap_or_else(|| JobRecord {
            name: name.to_owned(),
            ..JobRecord::default()
        }))
    }

    async fn job_records(&self) -> Result<Vec<JobRecord>> {
        let rows: Vec<RecordRow> = sqlx::query_as(RECORDS).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(record).collect())
    }

    async fn job_started(&self, name: &str, now: DateTime<Utc>) -> Result<()> {
        sqlx::query(STARTED)
            .bind(name)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn job_finished(
        &self,
        name: &str,
        outcome: std::result::Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match outcome {
            Ok(()) => sqlx::query(SUCCEEDED).bind(name).bind(now),
            Err(error) => sqlx::query(FAILED).bind(name).bind(now).bind(error),
        }
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn purge_idempotency(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query(PURGE_IDEMPOTENCY)
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    async fn purge_early_reports(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(sqlx::query(PURGE_EARLY_REPORTS)
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }
}
