//! The scheduler inside `serve` (issue 19, item 1): jobs under database
//! leases, so that any number of instances run each job once; a crashed
//! holder's lease is taken over once it expires; job runs on `/metrics`.
//! The process-level versions (real `serve` processes, one killed) are in
//! `tests/instances.rs`.

use crate::support::*;
use chrono::Duration;
use payments_api::domain::LocationTimeZone;
use payments_api::services::jobs::{self, Job};

fn austin_autopay() -> Job {
    Job::Autopay {
        location_id: AUSTIN,
        zone: LocationTimeZone::or_utc(AUSTIN_TIME_ZONE),
    }
}

#[tokio::test]
async fn a_lease_has_one_holder_until_it_expires() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let until = now + Duration::seconds(30);
    let store = &app.store;
    assert!(store.acquire_lease("job", "a", now, until).await.unwrap());
    assert!(!store.acquire_lease("job", "b", now, until).await.unwrap());
    assert!(
        !store.acquire_lease("job", "a", now, until).await.unwrap(),
        "not twice, even by its holder"
    );
    assert!(!store
        .acquire_lease("job", "b", until - Duration::milliseconds(1), until)
        .await
        .unwrap());
    // Its holder crashed and never renewed it: taken over once it expired.
    let later = until + Duration::seconds(30);
    assert!(store.acquire_lease("job", "b", until, later).await.unwrap());
    assert_eq!(
        store.lease("job").await.unwrap().map(|(holder, _)| holder),
        Some("b".to_owned())
    );
    assert!(
        !store.renew_lease("job", "a", later).await.unwrap(),
        "the old holder cannot renew it"
    );
    store.release_lease("job", "a").await.unwrap();
    assert!(
        store.lease("job").await.unwrap().is_some(),
        "nor release it"
    );
    store.release_lease("job", "b").await.unwrap();
    assert!(store.acquire_lease("job", "a", now, until).await.unwrap());
}

#[tokio::test]
async fn two_instances_run_one_auto_pay_day_once_and_report_it_on_metrics() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let job = austin_autopay();
    let (first, second) = tokio::join!(
        app.job(jobs::run_if_due(&app.state, "first", &job)),
        other.job(jobs::run_if_due(&other.state, "second", &job)),
    );
    let ran = [first.expect("first"), second.expect("second")];
    assert_eq!(ran.iter().filter(|r| **r).count(), 1, "{ran:?}");
    assert_eq!(
        app.gateway.captured_charges() + other.gateway.captured_charges(),
        1,
        "Morgan charged once"
    );
    // The day's run succeeded: not due again today, on either instance.
    assert!(!jobs::run_if_due(&other.state, "second", &job)
        .await
        .unwrap());
    assert!(!jobs::run_if_due(&app.state, "first", &job).await.unwrap());
    let record = app.store.job_record(&job.name()).await.unwrap();
    assert!(record.last_succeeded_at.is_some(), "{record:?}");

    let metrics = format!("{}{}", app.metrics().await, other.metrics().await);
    let series = format!("{{job=\"autopay:{AUSTIN}\"}}");
    assert!(
        metrics.contains(&format!("job_runs_total{series} 1")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("job_last_success_timestamp_seconds{series}")),
        "{metrics}"
    );
    // Tomorrow at 06:00 in Austin it is due again.
    app.clock.advance(Duration::days(1));
    assert!(job.is_due(
        &app.store.job_record(&job.name()).await.unwrap(),
        app.clock.now(),
        &app.state
    ));
}

#[tokio::test]
async fn a_periodic_job_runs_again_once_its_interval_has_passed() {
    let app = spawn_app_with(&[("PURGE_INTERVAL_SECONDS", "60")]).await;
    assert!(jobs::run_if_due(&app.state, "a", &Job::Purge)
        .await
        .unwrap());
    assert!(!jobs::run_if_due(&app.state, "a", &Job::Purge)
        .await
        .unwrap());
    app.clock.advance(Duration::seconds(61));
    assert!(jobs::run_if_due(&app.state, "a", &Job::Purge)
        .await
        .unwrap());
}

#[tokio::test]
async fn the_purge_keeps_idempotency_records_for_the_documented_24_hours() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let paid = app.take_payment(&staff, &key()).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let count =
        || async { query_rows::<(i64,)>(&app, "select count(*) from idempotency_keys").await[0].0 };
    assert_eq!(count().await, 1);
    app.clock.advance(Duration::hours(23));
    jobs::purge(&app.state).await.expect("purge");
    assert_eq!(count().await, 1, "kept for 24 hours");
    app.clock.advance(Duration::hours(1) + Duration::seconds(1));
    jobs::purge(&app.state).await.expect("purge");
    assert_eq!(count().await, 0, "purged after 24 hours");
}
