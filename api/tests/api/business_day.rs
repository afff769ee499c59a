//! Issue 19, item 2: every business date is the location's local day.
//! Austin Central is `America/Chicago`; each test sets the app's clock to
//! 01:30 UTC of the coming night, which is still the evening before in Austin
//! (19:30 CST; 20:30 in summer time).

use crate::support::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;

/// 01:30 UTC after the next UTC midnight: Austin's evening of the day before.
fn just_after_utc_midnight(app: &TestApp) -> DateTime<Utc> {
    let tomorrow = app.clock.now().date_naive() + Duration::days(1);
    tomorrow
        .and_hms_opt(1, 30, 0)
        .expect("a valid time")
        .and_utc()
}

async fn paid_through(app: &TestApp, client: uuid::Uuid, vehicle: uuid::Uuid) -> NaiveDate {
    let client = app
        .store
        .client(client)
        .await
        .expect("read the client")
        .expect("the client");
    client
        .vehicle(vehicle)
        .expect("vehicle")
        .paid_through
        .expect("paid through")
}

#[tokio::test]
async fn take_a_payment_after_utc_midnight_counts_the_period_from_austins_day() {
    let app = spawn_app().await;
    let at = just_after_utc_midnight(&app);
    app.clock.set(at);
    // Dana's Camry lapsed ten days ago: the period starts on Austin's today.
    let austin_today = at.date_naive() - Duration::days(1);
    let staff = app.agent_token().await;
    let paid = app.take_payment(&staff, &key()).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    // (Issue 19's example: 01:30 UTC on Dec 1, 2026 gave 2026-12-14; Austin's
    // day makes it 2026-12-13.)
    assert_eq!(
        paid_through(&app, DANA, DANA_CAMRY).await,
        austin_today + Duration::days(13),
        "14 days from Austin's {austin_today}, not from UTC's {}",
        at.date_naive()
    );
    assert_eq!(
        paid.body["receipt"]["local_date"],
        json!(austin_today),
        "{}",
        paid.body
    );
    let next = app
        .get(
            &format!("/api/v1/clients/{DANA}/next-payment"),
            Some(&staff),
        )
        .await;
    assert_eq!(next.status, 200, "{}", next.body);
}

#[tokio::test]
async fn auto_pay_charges_what_is_due_by_austins_tomorrow_not_utcs() {
    let app = spawn_app().await;
    let at = just_after_utc_midnight(&app);
    app.clock.set(at);
    let austin_today = at.date_naive() - Duration::days(1);
    // Paid through Austin's day after tomorrow (UTC's tomorrow): not due yet
    // by Austin's calendar.
    let through = austin_today + Duration::days(2);
    execute_sql(
        &app,
        &format!("update vehicles set paid_through = '{through}' where plate = 'TX-MGL5590'"),
    )
    .await;
    assert_eq!(
        app.run_autopay().await,
        Default::default(),
        "due by Austin's tomorrow only"
    );
    assert_eq!(app.gateway.captured_charges(), 0);
    // Six hours later it is Austin's next day (00:30 local time or later):
    // now it is due by tomorrow.
    app.clock.set(at + Duration::hours(6));
    let report = app.run_autopay().await;
    assert_eq!(report.succeeded, 1, "{report:?}");
    assert_eq!(
        paid_through(&app, MORGAN, MORGAN_OUTBACK).await,
        through + Duration::days(30),
        "the new period follows the paid one"
    );
}
