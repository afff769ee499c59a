//! The scheduler's rows: leases (one holder at a time, for a while) and
//! when each job last ran; and the purges of what outlived its window.

use super::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// When a scheduled job last started, succeeded and failed, on any instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobRecord {
    /// The job's name: `status_sync`, `purge`, `autopay:<location id>`.
    pub name: String,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_succeeded_at: Option<DateTime<Utc>>,
    pub last_failed_at: Option<DateTime<Utc>>,
}

/// Leases and job records, shared by every instance through the database.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Takes the lease `name` for `holder` until `until`, when nobody holds
    /// it or its holder's lease expired at or before `now` (one conditional
    /// write: two callers never both get it). True when taken.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Extends `holder`'s lease to `until`; false when it is no longer
    /// theirs (it expired and another holder took it).
    async fn renew_lease(&self, name: &str, holder: &str, until: DateTime<Utc>) -> Result<bool>;
    /// Gives the lease up, if `holder` still has it.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;
    /// The holder of lease `name` and when it expires, if anyone holds it.
    async fn lease(&self, name: &str) -> Result<Option<(String, DateTime<Utc>)>>;
    /// The record of job `name` (all `None` when it never ran).
    async fn job_record(&self, name: &str) -> Result<JobRecord>;
    /// Every job's record, by name.
    async fn job_records(&self) -> Result<Vec<JobRecord>>;
    /// Records that job `name` started at `now`.
    async fn job_started(&self, name: &str, now: DateTime<Utc>) -> Result<()>;
    /// Records how job `name` ended at `now`: `Ok` or the error's text.
    async fn job_finished(
        &self,
        name: &str,
        outcome: std::result::Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<()>;
    /// Deletes idempotency records created before `before`; returns how many.
    async fn purge_idempotency(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Deletes early delivery reports received before `before` (their
    /// message never got its SID stored); returns how many.
    async fn purge_early_reports(&self, before: DateTime<Utc>) -> Result<u64>;
}
