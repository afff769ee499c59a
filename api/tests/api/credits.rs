//! Credits: a credit that covers a period pays it (a supervisor applies it,
//! or Auto Pay does) and is never charged as zero; a credit that does not
//! leaves at least the minimum card charge to pay.

use crate::support::*;
use payments_api::domain::quote::MINIMUM_CARD_CHARGE;
use payments_api::domain::Cents;
use serde_json::{json, Value};
use uuid::Uuid;

/// The quote's total before any credit: the monitoring fee and its tax.
fn before_credit(quote: &Value) -> i64 {
    quote["subtotal_cents"].as_i64().expect("subtotal")
        + quote["tax_cents"].as_i64().expect("tax")
        + quote["past_due_cents"].as_i64().expect("past due")
}

async fn paid_through(app: &TestApp, client: Uuid, vehicle: Uuid) -> Option<chrono::NaiveDate> {
    let client = app
        .store
        .client(client)
        .await
        .expect("client")
        .expect("exists");
    client.vehicle(vehicle).expect("vehicle").paid_through
}

async fn credit_of(app: &TestApp, client: Uuid) -> Cents {
    let client = app
        .store
        .client(client)
        .await
        .expect("client")
        .expect("exists");
    client.credit_cents
}

/// What a refused request must not have written.
async fn written(app: &TestApp) -> (i64, i64, i64, i64) {
    let rows: Vec<(i64, i64, i64, i64)> = query_rows(
        app,
        "select (select count(*) from payments), (select count(*) from payment_links), \
        (select count(*) from invoices), (select count(*) from ledger_entries)",
    )
    .await;
    rows[0]
}

/// Morgan's Outback for 14 days, and a credit of exactly that quote's total.
async fn morgan_with_a_credit_for_one_period(app: &TestApp, staff: &str) -> i64 {
    let quote = app.quote(staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    let total = before_credit(&quote);
    app.grant_credit(MORGAN, total).await;
    total
}

#[tokio::test]
async fn a_credit_that_would_leave_less_than_fifty_cents_leaves_fifty_cents_to_charge() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    let total = before_credit(&quote);
    app.grant_credit(MORGAN, total - 20).await;

    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    assert_eq!(
        (
            quote["total_due_cents"].as_i64(),
            quote["credit_cents"].as_i64(),
            quote["covered_by_credit"].as_bool()
        ),
        (Some(MINIMUM_CARD_CHARGE.0), Some(total - 50), Some(false)),
        "{quote}"
    );
    let paid = app
        .take_payment_for(
            &staff,
            &key(),
            MORGAN,
            MORGAN_OUTBACK,
            14,
            MORGAN_MASTERCARD,
        )
        .await;
    assert_eq!(
        (paid.status, paid.body["amount_cents"].as_i64()),
        (201, Some(50)),
        "{}",
        paid.body
    );
    assert_eq!(credit_of(&app, MORGAN).await, Cents(30), "the rest stays");
}

#[tokio::test]
async fn a_quote_covered_by_credit_is_never_charged_and_nothing_is_written() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    morgan_with_a_credit_for_one_period(&app, &staff).await;
    // Dana's credit pays her past due and the Camry's period many times over.
    app.grant_credit(DANA, 10_284 + 100_000).await;

    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    assert_eq!(
        (
            quote["total_due_cents"].as_i64(),
            quote["covered_by_credit"].as_bool()
        ),
        (Some(0), Some(true)),
        "{quote}"
    );
    let before = written(&app).await;

    let taken = app
        .take_payment_for(
            &staff,
            &key(),
            MORGAN,
            MORGAN_OUTBACK,
            14,
            MORGAN_MASTERCARD,
        )
        .await;
    taken.assert_problem(422, "nothing_to_pay");
    assert!(
        taken.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("credit"),
        "{}",
        taken.body
    );
    app.post_idempotent(
        "/payment-links",
        Some(&staff),
        &key(),
        &json!({ "client_id": MORGAN, "vehicle_id": MORGAN_OUTBACK, "monitor_days": 14, "phone": "5125550143" }),
    )
    .await
    .assert_problem(422, "nothing_to_pay");
    let dana = app.client_token().await;
    app.make_payment(&dana, &key(), json!({ "card_id": DANA_VISA }))
        .await
        .assert_problem(422, "nothing_to_pay");

    assert_eq!(
        written(&app).await,
        before,
        "payments, links, invoices, ledger"
    );
    assert_eq!(app.gateway.attempts(), 0, "the gateway was never called");
    assert_eq!(app.sms.sent().len(), 0);
}

#[tokio::test]
async fn a_supervisor_applies_a_credit_that_covers_the_period() {
    let app = spawn_app().await;
    let staff = app.staff_token(&SUPERVISOR_LOGIN).await;
    let total = morgan_with_a_credit_for_one_period(&app, &staff).await;
    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    let through = paid_through(&app, MORGAN, MORGAN_OUTBACK)
        .await
        .expect("paid through");

    let applied = app
        .apply_credit(&staff, &key(), MORGAN, MORGAN_OUTBACK, 14)
        .await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    let invoice = &applied.body["invoice"];
    assert_eq!(
        (
            invoice["status"].as_str(),
            invoice["total_cents"].as_i64(),
            &invoice["lines"]
        ),
        (Some("paid"), Some(0), &quote["lines"]),
        "{invoice}"
    );
    let new_through = through + chrono::Duration::days(14);
    assert_eq!(applied.body["paid_through"], json!(new_through));
    assert_eq!(
        paid_through(&app, MORGAN, MORGAN_OUTBACK).await,
        Some(new_through)
    );
    assert_eq!(
        credit_of(&app, MORGAN).await,
        Cents::ZERO,
        "{total} ¢ spent"
    );

    let next = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    assert_eq!(
        (
            next["credit_cents"].as_i64(),
            next["lines"].as_array().map(Vec::len),
            next["covered_by_credit"].as_bool()
        ),
        (Some(0), Some(3), Some(false)),
        "no credit line any more: {next}"
    );
    let history = app.account_history(&staff, MORGAN).await;
    assert_eq!(history["invoices"][0]["id"], invoice["id"]);
    assert_eq!(history["invoices"][0]["status"], "paid");
    let number = invoice["number"].as_i64().expect("number");
    let line = format!(
        "Credit applied: {} for 14 days, invoice #{number} (by Sam Supervisor)",
        Cents(total)
    );
    let log = app.client_log(&staff, MORGAN).await;
    assert!(log.contains(&line), "{line:?} in {log:?}");
    assert_eq!(app.gateway.attempts(), 0);
}

#[tokio::test]
async fn agents_may_not_apply_a_credit() {
    let app = spawn_app().await;
    let agent = app.agent_token().await;
    morgan_with_a_credit_for_one_period(&app, &agent).await;
    app.apply_credit(&agent, &key(), MORGAN, MORGAN_OUTBACK, 14)
        .await
        .assert_problem(403, "forbidden");
    assert!(credit_of(&app, MORGAN).await > Cents::ZERO);
}

#[tokio::test]
async fn a_credit_that_does_not_cover_the_period_is_not_applied() {
    let app = spawn_app().await;
    let staff = app.staff_token(&ADMIN_LOGIN).await;
    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    app.grant_credit(MORGAN, before_credit(&quote) - 1).await;
    let before = written(&app).await;
    app.apply_credit(&staff, &key(), MORGAN, MORGAN_OUTBACK, 14)
        .await
        .assert_problem(422, "credit_insufficient");
    // Dana owes: she has no credit at all.
    app.apply_credit(&staff, &key(), DANA, DANA_CAMRY, 14)
        .await
        .assert_problem(422, "credit_insufficient");
    assert_eq!(written(&app).await, before);
}

#[tokio::test]
async fn the_same_idempotency_key_twice_applies_the_credit_once() {
    let app = spawn_app().await;
    let staff = app.staff_token(&SUPERVISOR_LOGIN).await;
    // Enough for two periods: only the key keeps the retry from taking the second.
    let total = morgan_with_a_credit_for_one_period(&app, &staff).await;
    app.grant_credit(MORGAN, total).await;
    let through = paid_through(&app, MORGAN, MORGAN_OUTBACK)
        .await
        .expect("date");
    let same = key();
    let first = app
        .apply_credit(&staff, &same, MORGAN, MORGAN_OUTBACK, 14)
        .await;
    let again = app
        .apply_credit(&staff, &same, MORGAN, MORGAN_OUTBACK, 14)
        .await;
    assert_eq!((first.status, again.status), (201, 201), "{}", again.body);
    assert_eq!(
        first.body["invoice"]["number"],
        again.body["invoice"]["number"]
    );
    assert_eq!(
        paid_through(&app, MORGAN, MORGAN_OUTBACK).await,
        Some(through + chrono::Duration::days(14))
    );
    assert_eq!(credit_of(&app, MORGAN).await, Cents(total));
}

#[tokio::test]
async fn two_applications_at_once_of_a_credit_for_one_period_apply_it_once() {
    let app = spawn_app().await;
    let staff = app.staff_token(&SUPERVISOR_LOGIN).await;
    morgan_with_a_credit_for_one_period(&app, &staff).await;
    let through = paid_through(&app, MORGAN, MORGAN_OUTBACK)
        .await
        .expect("date");
    let (a, b) = (key(), key());
    let (first, second) = tokio::join!(
        app.apply_credit(&staff, &a, MORGAN, MORGAN_OUTBACK, 14),
        app.apply_credit(&staff, &b, MORGAN, MORGAN_OUTBACK, 14),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort_unstable();
    assert_eq!(statuses[0], 201, "{} / {}", first.body, second.body);
    assert!(
        matches!(statuses[1], 409 | 422),
        "{} / {}",
        first.body,
        second.body
    );
    assert_eq!(
        paid_through(&app, MORGAN, MORGAN_OUTBACK).await,
        Some(through + chrono::Duration::days(14))
    );
    assert_eq!(credit_of(&app, MORGAN).await, Cents::ZERO);
}

#[tokio::test]
async fn auto_pay_applies_a_covering_credit_without_charging_the_card() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // Morgan's Auto Pay plan is 30 days; her Outback is due tomorrow.
    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 30).await.body;
    app.grant_credit(MORGAN, before_credit(&quote)).await;
    let through = paid_through(&app, MORGAN, MORGAN_OUTBACK)
        .await
        .expect("date");

    let report = app.run_autopay().await;
    assert_eq!(
        (report.credit_applied, report.succeeded, report.skipped),
        (1, 0, 0),
        "{report:?}"
    );
    assert_eq!(app.gateway.attempts(), 0, "no charge reached the gateway");
    assert_eq!(
        paid_through(&app, MORGAN, MORGAN_OUTBACK).await,
        Some(through + chrono::Duration::days(30))
    );
    assert_eq!(credit_of(&app, MORGAN).await, Cents::ZERO);
    let history = app.account_history(&staff, MORGAN).await;
    assert_eq!(history["invoices"][0]["status"], "paid");
    assert_eq!(history["payments"].as_array().map(Vec::len), Some(0));
    let log = app.client_log(&staff, MORGAN).await;
    assert!(
        log.iter()
            .any(|l| l.starts_with("Credit applied: ") && l.ends_with("(by System)")),
        "{log:?}"
    );
    assert_eq!(app.run_autopay().await, Default::default(), "applied once");
}

#[tokio::test]
async fn two_auto_pay_runs_at_once_pay_a_period_with_credit_once() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // Enough for two periods: only the due check keeps the second run from taking another.
    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 30).await.body;
    app.grant_credit(MORGAN, 2 * before_credit(&quote)).await;
    let through = paid_through(&app, MORGAN, MORGAN_OUTBACK)
        .await
        .expect("date");

    let (first, second) = tokio::join!(app.run_autopay(), app.run_autopay());
    assert_eq!(
        first.credit_applied + second.credit_applied,
        1,
        "{first:?} {second:?}"
    );
    assert_eq!(
        paid_through(&app, MORGAN, MORGAN_OUTBACK).await,
        Some(through + chrono::Duration::days(30))
    );
    assert_eq!(credit_of(&app, MORGAN).await, Cents(before_credit(&quote)));
    assert_eq!(app.gateway.attempts(), 0);
}
