//! The scheduler inside `serve`: no external cron, and safe with any number
//! of instances.
//!
//! Every instance looks every `SCHEDULER_POLL_INTERVAL_MS` at which jobs are
//! due ([`Job::is_due`], from the job's record in the database, shared by all
//! instances). A due job runs under its lease ([`under_lease`]): a row per
//! name with a holder and an expiry, taken by one conditional write, so two
//! instances never run the same job at once. The holder renews the lease
//! every third of `JOB_LEASE_SECONDS` while it works; a holder that crashed
//! stops renewing, and its lease is taken over once it expires. Under the
//! lease the record is read again, so an instance that saw the job due just
//! before another one finished it does not run it a second time.
//!
//! Jobs: Auto Pay, daily at `AUTOPAY_LOCAL_TIME` on each location's clock
//! (one job per location, `autopay:<location id>`); the status sync of open
//! payments, every `STATUS_SYNC_INTERVAL_SECONDS`; the purge of what
//! outlived its window, every `PURGE_INTERVAL_SECONDS`; the link expiry
//! job, every `LINK_EXPIRY_INTERVAL_SECONDS`, which records each link that
//! expired unpaid and announces it with `link.expired`
//! ([`links::record_expiries`]); the payment reminders
//! (`reminders:<location id>`) and the Auto Pay notices
//! (`autopay_notices:<location id>`), daily at `NOTICES_LOCAL_TIME` on each
//! location's clock ([`crate::services::notices`]).
//!
//! Runs, failures and the last success per job are on `/metrics`.

use crate::domain::{BusinessDay, LocationTimeZone};
use crate::services::{autopay, links, notices, rate_limits, status_sync};
use crate::state::AppState;
use crate::store::{JobRecord, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::future::Future;
use uuid::Uuid;

/// A failed daily job is tried again after this long, not at every look.
const DAILY_RETRY_AFTER: Duration = Duration::minutes(1);

/// How long an early delivery report waits for its message's SID.
pub const EARLY_REPORTS_KEPT: Duration = Duration::hours(24);

/// One job the scheduler runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// Auto Pay for one location, daily at `AUTOPAY_LOCAL_TIME` there.
    Autopay {
        location_id: Uuid,
        zone: LocationTimeZone,
    },
    /// The payment reminders of one location, daily at `NOTICES_LOCAL_TIME` there.
    Reminders {
        location_id: Uuid,
        zone: LocationTimeZone,
    },
    /// The Auto Pay notices (a charge to come, the card expiring) of one
    /// location, daily at `NOTICES_LOCAL_TIME` there.
    AutopayNotices {
        location_id: Uuid,
        zone: LocationTimeZone,
    },
    /// The status sync of open payments.
    StatusSync,
    /// The purge of expired rate-limit rows and sessions, idempotency
    /// records older than `IDEMPOTENCY_RETENTION_HOURS`, early delivery
    /// reports whose message never got its SID, and webhook events (with
    /// their deliveries and attempts) older than `WEBHOOK_RETENTION_DAYS`.
    Purge,
    /// Records links that expired unpaid and writes their `link.expired`
    /// events ([`links::record_expiries`]).
    LinkExpiry,
}

impl Job {
    /// Its name: its lease, its record and its `job` label on `/metrics`.
    pub fn name(&self) -> String {
        match self {
            Job::Autopay { location_id, .. } => format!("autopay:{location_id}"),
            Job::Reminders { location_id, .. } => format!("reminders:{location_id}"),
            Job::AutopayNotices { location_id, .. } => format!("autopay_notices:{location_id}"),
            Job::StatusSync => "status_sync".into(),
            Job::Purge => "purge".into(),
            Job::LinkExpiry => "link_expiry".into(),
        }
    }

    /// Whether the job is due at `now`, given its record.
    pub fn is_due(&self, record: &JobRecord, now: DateTime<Utc>, state: &AppState) -> bool {
        let settings = &state.settings;
        let every = |seconds: i64| {
            record
                .last_started_at
                .is_none_or(|started| now >= started + Duration::seconds(seconds))
        };
        let daily = |time, zone| {
            BusinessDay::daily_run_due(now, record.last_succeeded_at, time, zone)
                && record
                    .last_failed_at
                    .is_none_or(|failed| now >= failed + DAILY_RETRY_AFTER)
        };
        match self {
            Job::Autopay { zone, .. } => daily(settings.autopay_local_time, *zone),
            Job::Reminders { zone, .. } | Job::AutopayNotices { zone, .. } => {
                daily(settings.notices_local_time, *zone)
            }
            Job::StatusSync => every(settings.status_sync_interval_seconds),
            Job::Purge => every(settings.purge_interval_seconds),
            Job::LinkExpiry => every(settings.link_expiry_interval_seconds),
        }
    }

    /// Does the job's work once.
    async fn perform(&self, state: &AppState) -> Result<(), String> {
        match self {
            Job::Autopay { location_id, zone } => {
                let report = autopay::run_location(state, *location_id, *zone)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(location_id = %location_id, ?report, "Auto Pay run finished");
                Ok(())
            }
            Job::Reminders { location_id, zone } => {
                let report = notices::send_reminders(state, *location_id, *zone)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(location_id = %location_id, ?report, "payment reminders sent");
                Ok(())
            }
            Job::AutopayNotices { location_id, zone } => {
                let report = notices::send_autopay_notices(state, *location_id, *zone)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::info!(location_id = %location_id, ?report, "Auto Pay notices sent");
                Ok(())
            }
            Job::StatusSync => status_sync::sync_open_payments(state)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Job::Purge => purge(state).await.map(|_| ()).map_err(|e| e.to_string()),
            Job::LinkExpiry => {
                let recorded = links::record_expiries(state)
                    .await
                    .map_err(|e| e.to_string())?;
                if recorded > 0 {
                    tracing::info!(recorded, "link expiries recorded");
                }
                Ok(())
            }
        }
    }
}

/// Deletes what outlived its window; returns how many rows went.
pub async fn purge(state: &AppState) -> Result<u64, StoreError> {
    let now = state.clock.now();
    let retention = Duration::hours(state.settings.idempotency_retention_hours);
    let rate_limits = rate_limits::purge(state).await?;
    rate_limits::forget_idle_addresses(state);
    let sessions = state.store.purge_sessions(now).await?;
    let idempotency = state.store.purge_idempotency(now - retention).await?;
    let reports = state
        .store
        .purge_early_reports(now - EARLY_REPORTS_KEPT)
        .await?;
    let webhooks = state
        .store
        .purge_webhook_events(now - Duration::days(state.settings.webhook_retention_days))
        .await?;
    Ok(rate_limits + sessions + idempotency + reports + webhooks)
}

/// Runs `work` while holding lease `name` as `holder`, renewing it every
/// third of `JOB_LEASE_SECONDS`, and gives it up afterwards. `None` (and
/// `work` never started) when someone else holds it.
pub async fn under_lease<T>(
    state: &AppState,
    name: &str,
    holder: &str,
    work: impl Future<Output = T>,
) -> Result<Option<T>, StoreError> {
    let lease = Duration::seconds(state.settings.job_lease_seconds);
    let now = state.clock.now();
    if !state
        .store
        .acquire_lease(name, holder, now, now + lease)
        .await?
    {
        return Ok(None);
    }
    let renew_every = lease
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(300))
        / 3;
    let mut renew =
        tokio::time::interval_at(tokio::time::Instant::now() + renew_every, renew_every);
    // On the heap: an Auto Pay run is a deep future (charge, record, receipt).
    let mut work = Box::pin(work);
    let output = loop {
        tokio::select! {
            output = &mut work => break output,
            _ = renew.tick() => {
                let until = state.clock.now() + lease;
                match state.store.renew_lease(name, holder, until).await {
                    Ok(true) => {}
                    Ok(false) => tracing::error!(lease = name, "a lease expired while its holder worked (raise JOB_LEASE_SECONDS)"),
                    Err(error) => tracing::warn!(lease = name, %error, "renewing a lease failed; trying again"),
                }
            }
        }
    };
    if let Err(error) = state.store.release_lease(name, holder).await {
        // It expires on its own.
        tracing::warn!(lease = name, %error, "releasing a lease failed");
    }
    Ok(Some(output))
}

/// The jobs `SCHEDULER_JOBS` enables, as of now (one Auto Pay job per location).
async fn jobs(state: &AppState) -> Result<Vec<Job>, StoreError> {
    let enabled = state.settings.scheduler_jobs;
    let mut jobs = Vec::new();
    if enabled.autopay || enabled.reminders || enabled.autopay_notices {
        for (location_id, time_zone) in state.store.location_time_zones().await? {
            let zone = LocationTimeZone::or_utc(&time_zone);
            if enabled.autopay {
                jobs.push(Job::Autopay { location_id, zone });
            }
            if enabled.reminders {
                jobs.push(Job::Reminders { location_id, zone });
            }
            if enabled.autopay_notices {
                jobs.push(Job::AutopayNotices { location_id, zone });
            }
        }
    }
    if enabled.status_sync {
        jobs.push(Job::StatusSync);
    }
    if enabled.purge {
        jobs.push(Job::Purge);
    }
    if enabled.link_expiry {
        jobs.push(Job::LinkExpiry);
    }
    Ok(jobs)
}

/// Runs `job` if it is due and no other instance runs it; true when it ran.
pub async fn run_if_due(state: &AppState, holder: &str, job: &Job) -> Result<bool, StoreError> {
    let name = job.name();
    let record = state.store.job_record(&name).await?;
    if !job.is_due(&record, state.clock.now(), state) {
        return Ok(false);
    }
    let ran = under_lease(state, &name, holder, async {
        // Read again under the lease: another instance may have finished it
        // since the first read.
        let record = state.store.job_record(&name).await?;
        let now = state.clock.now();
        if !job.is_due(&record, now, state) {
            return Ok::<_, StoreError>(false);
        }
        state.store.job_started(&name, now).await?;
        let outcome = Box::pin(job.perform(state)).await;
        if let Err(error) = &outcome {
            tracing::warn!(job = %name, %error, "a scheduled job failed; it runs again when due");
        }
        state.http_metrics.job_ran(&name, outcome.is_ok());
        state
            .store
            .job_finished(&name, outcome, state.clock.now())
            .await?;
        Ok(true)
    })
    .await?;
    ran.unwrap_or(Ok(false))
}

/// This process's name as a lease holder: unique per process start.
pub fn holder_id() -> String {
    format!("{}-{}", std::process::id(), Uuid::new_v4().simple())
}

/// Starts the scheduler of `serve` (see the module's documentation).
pub fn spawn_scheduler(state: actix_web::web::Data<AppState>) {
    let every = std::time::Duration::from_millis(
        u64::try_from(state.settings.scheduler_poll_interval_ms).unwrap_or(5000),
    );
    let holder = holder_id();
    tracing::info!(holder = %holder, "scheduler started");
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            // This instance's own per-address counters (not a leased job:
            // each instance has its own).
            rate_limits::forget_idle_addresses(&state);
            let jobs = match jobs(&state).await {
                Ok(jobs) => jobs,
                Err(error) => {
                    tracing::warn!(%error, "the scheduler could not read its jobs; trying again");
                    continue;
                }
            };
            // Each on its own task, so a long Auto Pay run never holds up
            // the status sync; a job still running here holds its lease,
            // so the next look does not start it again.
            for job in jobs {
                let (state, holder) = (state.clone(), holder.clone());
                tokio::spawn(async move {
                    if let Err(error) = run_if_due(&state, &holder, &job).await {
                        tracing::warn!(job = %job.name(), %error, "the scheduler could not run a job; trying again");
                    }
                });
            }
        }
    });
}
