//! Money back as credit and credit back as money (issue 17, items 1 and 2):
//! a refund the client keeps as credit, a credit refunded to a card, a
//! goodwill credit granted, and refunds dated on the location's clock on the
//! receipt; on the real app, on both stores.

use crate::support::*;
use payments_api::domain::ledger::EntryKind;
use payments_api::domain::Cents;
use serde_json::{json, Value};
use uuid::Uuid;

async fn supervisor_token(app: &TestApp) -> String {
    app.staff_token(&SUPERVISOR_LOGIN).await
}

/// Take a Payment for Dana's Camry with her Visa: its id and amount.
async fn paid(app: &TestApp) -> (Uuid, i64) {
    let staff = app.agent_token().await;
    let reply = app.take_payment(&staff, &key()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["payment_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an id");
    let payment = app.store.payment(id).await.expect("read").expect("payment");
    (id, payment.amount_cents.0)
}

async fn refund(app: &TestApp, token: &str, payment: Uuid, key: &str, body: Value) -> Reply {
    app.post_idempotent(
        &format!("/payments/{payment}/refunds"),
        Some(token),
        key,
        &body,
    )
    .await
}

async fn refund_credit(app: &TestApp, token: &str, client: Uuid, key: &str, body: Value) -> Reply {
    app.post_idempotent(
        &format!("/clients/{client}/credit-refunds"),
        Some(token),
        key,
        &body,
    )
    .await
}

async fn grant(app: &TestApp, token: &str, client: Uuid, key: &str, body: Value) -> Reply {
    app.post_idempotent(
        &format!("/clients/{client}/credits"),
        Some(token),
        key,
        &body,
    )
    .await
}

async fn entries(app: &TestApp, client: Uuid, kind: EntryKind) -> Vec<i64> {
    app.store
        .client_ledger(client)
        .await
        .expect("ledger")
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.amount.0)
        .collect()
}

async fn credit_of(app: &TestApp, client: Uuid) -> Cents {
    app.store
        .client(client)
        .await
        .expect("read")
        .expect("client")
        .credit_cents
}

async fn total_due(app: &TestApp, token: &str) -> Value {
    let reply = app.quote(token, DANA, DANA_CAMRY, 14).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_refund_kept_as_credit_lowers_the_next_quote_by_its_amount_without_the_gateway() {
    let app = spawn_app().await;
    let (payment, amount) = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let before = total_due(&app, &supervisor).await["total_due_cents"]
        .as_i64()
        .expect("total");

    let made = refund(
        &app,
        &supervisor,
        payment,
        &key(),
        json!({ "amount_cents": 5000, "reason": "Device returned early", "destination": "credit" }),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(
        (
            &made.body["status"],
            &made.body["destination"],
            &made.body["source"]
        ),
        (&json!("succeeded"), &json!("credit"), &json!("payment"))
    );
    assert_eq!(app.gateway.refunds_made(), 0, "no money left us");
    assert_eq!(entries(&app, DANA, EntryKind::Credit).await, vec![-5000]);
    assert!(entries(&app, DANA, EntryKind::Refund).await.is_empty());
    assert_eq!(credit_of(&app, DANA).await, Cents(5000));

    let quote = total_due(&app, &supervisor).await;
    assert_eq!(quote["credit_cents"], 5000, "{quote}");
    assert_eq!(quote["total_due_cents"].as_i64(), Some(before - 5000));

    let invoice_number = app
        .store
        .payment(payment)
        .await
        .unwrap()
        .unwrap()
        .invoice_number
        .unwrap();
    let log = app.client_log(&supervisor, DANA).await;
    assert!(
        log.contains(&format!(
            "Refund of $50.00 of the payment of {} (invoice #{invoice_number}) by Sam Supervisor (staff) kept as credit: Device returned early",
            Cents(amount)
        )),
        "{log:#?}"
    );
    // The invoice and the receipt say where the money went.
    let history = app.account_history(&supervisor, DANA).await;
    let invoice = history["invoices"]
        .as_array()
        .expect("invoices")
        .iter()
        .find(|i| i["refunded_cents"] == 5000)
        .cloned()
        .expect("the refunded invoice");
    assert_eq!(invoice["refunds"][0]["destination"], "credit");
    let receipt = app
        .get(
            &format!("/api/v1/payments/{payment}/receipt"),
            Some(&supervisor),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert_eq!(receipt.body["refunds"][0]["destination"], "credit");
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_payment_kept_whole_as_credit_covers_the_next_quote_which_never_goes_below_zero() {
    let app = spawn_app().await;
    let (payment, amount) = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let made = refund(
        &app,
        &supervisor,
        payment,
        &key(),
        json!({ "reason": "Paid twice by mistake", "destination": "credit" }),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["amount_cents"], amount);
    let quote = total_due(&app, &supervisor).await;
    assert!(
        quote["total_due_cents"].as_i64().expect("total") >= 0,
        "{quote}"
    );
    assert_eq!(quote["covered_by_credit"], true, "{quote}");
    assert_eq!(quote["total_due_cents"], 0, "{quote}");
    // Nothing is left to refund, to the card or as credit.
    refund(
        &app,
        &supervisor,
        payment,
        &key(),
        json!({ "amount_cents": 1, "reason": "more", "destination": "card" }),
    )
    .await
    .assert_problem(422, "refund_exceeds_payment");
    refund(
        &app,
        &supervisor,
        payment,
        &key(),
        json!({ "amount_cents": 1, "reason": "more", "destination": "credit" }),
    )
    .await
    .assert_problem(422, "refund_exceeds_payment");
    assert_eq!(entries(&app, DANA, EntryKind::Credit).await, vec![-amount]);
}

#[tokio::test]
async fn ten_concurrent_refunds_kept_as_credit_keep_the_payment_once() {
    let app = spawn_app().await;
    let (payment, amount) = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let keys: Vec<String> = (0..10).map(|_| key()).collect();
    let replies = futures_util::future::join_all(keys.iter().map(|k| {
        refund(
            &app,
            &supervisor,
            payment,
            k,
            json!({ "reason": "duplicate clicks", "destination": "credit" }),
        )
    }))
    .await;
    assert_eq!(
        replies.iter().filter(|r| r.status == 201).count(),
        1,
        "{replies:#?}"
    );
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_problem(422, "refund_exceeds_payment");
    }
    assert_eq!(entries(&app, DANA, EntryKind::Credit).await, vec![-amount]);
    // A retry of the one that was made answers it again and writes nothing.
    let first = replies.iter().position(|r| r.status == 201).expect("one");
    let again = refund(
        &app,
        &supervisor,
        payment,
        &keys[first],
        json!({ "reason": "duplicate clicks", "destination": "credit" }),
    )
    .await;
    assert_eq!(again.body["id"], replies[first].body["id"]);
    assert_eq!(entries(&app, DANA, EntryKind::Credit).await, vec![-amount]);
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn an_agent_cannot_keep_a_refund_as_credit_refund_a_credit_or_grant_one() {
    let app = spawn_app().await;
    let (payment, _) = paid(&app).await;
    let agent = app.agent_token().await;
    refund(
        &app,
        &agent,
        payment,
        &key(),
        json!({ "reason": "no", "destination": "credit" }),
    )
    .await
    .assert_problem(403, "forbidden");
    refund_credit(&app, &agent, DANA, &key(), json!({ "reason": "no" }))
        .await
        .assert_problem(403, "forbidden");
    grant(
        &app,
        &agent,
        DANA,
        &key(),
        json!({ "amount_cents": 100, "reason": "no" }),
    )
    .await
    .assert_problem(403, "forbidden");
    assert!(entries(&app, DANA, EntryKind::Credit).await.is_empty());
}

#[tokio::test]
async fn a_supervisor_grants_a_goodwill_credit_once_per_key_and_the_next_quote_applies_it() {
    let app = spawn_app().await;
    let supervisor = supervisor_token(&app).await;
    let before = total_due(&app, &supervisor).await["total_due_cents"]
        .as_i64()
        .expect("total");
    let same = key();
    let body =
        json!({ "amount_cents": 2500, "reason": "Device fault: two days without monitoring" });
    let replies = futures_util::future::join_all(
        (0..5).map(|_| grant(&app, &supervisor, DANA, &same, body.clone())),
    )
    .await;
    let granted: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert!(!granted.is_empty(), "{replies:#?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_problem(409, "request_in_progress");
    }
    let again = grant(&app, &supervisor, DANA, &same, body.clone()).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.body["id"], granted[0].body["id"]);
    assert_eq!(granted[0].body["amount_cents"], 2500);
    assert_eq!(granted[0].body["granted_by"], "Sam Supervisor (staff)");
    assert_eq!(entries(&app, DANA, EntryKind::Credit).await, vec![-2500]);
    let quote = total_due(&app, &supervisor).await;
    assert_eq!(
        quote["total_due_cents"].as_i64(),
        Some(before - 2500),
        "{quote}"
    );
    let log = app.client_log(&supervisor, DANA).await;
    assert_eq!(
        log.iter()
            .filter(|l| *l
                == "Goodwill credit of $25.00 granted by Sam Supervisor (staff): Device fault: two days without monitoring")
            .count(),
        1,
        "{log:#?}"
    );
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_goodwill_credit_needs_an_amount_a_reason_and_a_client() {
    let app = spawn_app().await;
    let supervisor = supervisor_token(&app).await;
    for (body, field) in [
        (
            json!({ "amount_cents": 0, "reason": "zero" }),
            "amount_cents",
        ),
        (
            json!({ "amount_cents": -5, "reason": "negative" }),
            "amount_cents",
        ),
        (
            json!({ "amount_cents": 100_001, "reason": "a typo" }),
            "amount_cents",
        ),
        (json!({ "amount_cents": 100, "reason": "  " }), "reason"),
    ] {
        let reply = grant(&app, &supervisor, DANA, &key(), body).await;
        reply.assert_problem(422, "validation_failed");
        assert_eq!(reply.body["errors"][0]["field"], field, "{}", reply.body);
    }
    grant(
        &app,
        &supervisor,
        Uuid::new_v4(),
        &key(),
        json!({ "amount_cents": 100, "reason": "nobody" }),
    )
    .await
    .assert_problem(404, "client_not_found");
    assert!(entries(&app, DANA, EntryKind::Credit).await.is_empty());
}

#[tokio::test]
async fn a_supervisor_refunds_part_of_a_credit_to_the_card_of_the_last_payment() {
    let app = spawn_app().await;
    let (payment, amount) = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let granted = grant(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "amount_cents": 3000, "reason": "Billing mistake" }),
    )
    .await;
    assert_eq!(granted.status, 201, "{}", granted.body);

    let made = refund_credit(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "amount_cents": 2000, "reason": "Client left the program" }),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(
        (
            &made.body["payment_id"],
            &made.body["source"],
            &made.body["destination"],
            &made.body["amount_cents"]
        ),
        (
            &json!(payment),
            &json!("credit"),
            &json!("card"),
            &json!(2000)
        )
    );
    assert_eq!(app.gateway.refunds_made(), 1);
    assert_eq!(credit_of(&app, DANA).await, Cents(1000));
    assert_eq!(entries(&app, DANA, EntryKind::Refund).await, vec![2000]);
    let invoice_number = app
        .store
        .payment(payment)
        .await
        .unwrap()
        .unwrap()
        .invoice_number
        .unwrap();
    let log = app.client_log(&supervisor, DANA).await;
    assert!(
        log.contains(&format!(
            "Credit refund of $20.00 to the card of the payment of {} (invoice #{invoice_number}) by Sam Supervisor (staff) succeeded: Client left the program",
            Cents(amount)
        )),
        "{log:#?}"
    );
    // No amount: the rest of the credit.
    let rest = refund_credit(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "reason": "the rest" }),
    )
    .await;
    assert_eq!(rest.status, 201, "{}", rest.body);
    assert_eq!(rest.body["amount_cents"], 1000);
    assert_eq!(credit_of(&app, DANA).await, Cents(0));
    refund_credit(&app, &supervisor, DANA, &key(), json!({ "reason": "more" }))
        .await
        .assert_problem(422, "credit_insufficient");
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_credit_no_recent_payment_can_take_back_is_refused_with_the_rule() {
    let app = spawn_app().await;
    let supervisor = supervisor_token(&app).await;
    // A credit, and no payment through the gateway to send it back to.
    app.grant_credit(MORGAN, 5000).await;
    let no_payment =
        refund_credit(&app, &supervisor, MORGAN, &key(), json!({ "reason": "r" })).await;
    no_payment.assert_problem(422, "credit_not_refundable");
    assert!(
        no_payment.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("180 days")),
        "{}",
        no_payment.body
    );
    // More than the payment has left to refund.
    let (_, amount) = paid(&app).await;
    app.grant_credit(DANA, amount + 100).await;
    refund_credit(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "amount_cents": amount + 1, "reason": "too much for one card" }),
    )
    .await
    .assert_problem(422, "credit_not_refundable");
    // More than the credit.
    refund_credit(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "amount_cents": amount + 101, "reason": "beyond the credit" }),
    )
    .await
    .assert_problem(422, "credit_insufficient");
    // A payment older than the window cannot take it.
    app.clock.advance(chrono::Duration::days(181));
    let supervisor = supervisor_token(&app).await;
    refund_credit(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "amount_cents": 100, "reason": "too late" }),
    )
    .await
    .assert_problem(422, "credit_not_refundable");
    assert_eq!(app.gateway.refunds_made(), 0);
}

#[tokio::test]
async fn ten_concurrent_refunds_of_the_whole_credit_refund_it_once() {
    let app = spawn_app().await;
    paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    app.grant_credit(DANA, 4000).await;
    let keys: Vec<String> = (0..10).map(|_| key()).collect();
    let replies = futures_util::future::join_all(keys.iter().map(|k| {
        refund_credit(
            &app,
            &supervisor,
            DANA,
            k,
            json!({ "reason": "duplicate clicks" }),
        )
    }))
    .await;
    assert_eq!(
        replies.iter().filter(|r| r.status == 201).count(),
        1,
        "{replies:#?}"
    );
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_problem(422, "credit_insufficient");
    }
    assert_eq!(app.gateway.refunds_made(), 1, "one refund at the gateway");
    assert_eq!(entries(&app, DANA, EntryKind::Refund).await, vec![4000]);
    assert_eq!(credit_of(&app, DANA).await, Cents(0));
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_receipt_dates_its_refunds_on_the_locations_clock() {
    use chrono::{Duration, TimeZone, Timelike, Utc};
    let app = spawn_app().await;
    let (payment, _) = paid(&app).await;
    // 03:30 UTC tomorrow: the evening before in Austin (America/Chicago).
    let now = app.clock.now();
    let tomorrow = (now + Duration::days(1)).date_naive();
    let target = Utc.from_utc_datetime(&tomorrow.and_hms_opt(3, 30, 0).expect("a time"));
    app.clock.advance(target - now);
    assert_eq!(app.clock.now().hour(), 3);
    let supervisor = supervisor_token(&app).await;
    let made = refund(
        &app,
        &supervisor,
        payment,
        &key(),
        json!({ "amount_cents": 500, "reason": "late evening" }),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let receipt = app
        .get(
            &format!("/api/v1/payments/{payment}/receipt"),
            Some(&supervisor),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let refunds = &receipt.body["refunds"];
    assert_eq!(
        refunds[0]["local_date"],
        json!((tomorrow - Duration::days(1)).to_string()),
        "{}",
        receipt.body
    );
    // The kind: every instant on a receipt has the location's day beside it.
    assert_instants_have_local_dates(&receipt.body, "receipt");
}

/// Every `*_at` instant in `value` has a `local_date` (or `*_at_local`)
/// sibling: a receipt shows business dates on the location's clock, never
/// a UTC day.
fn assert_instants_have_local_dates(value: &Value, path: &str) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                if name.ends_with("_at") && field.is_string() {
                    assert!(
                        fields.contains_key("local_date")
                            || fields.contains_key(&format!("{name}_local")),
                        "{path}.{name} has no local date beside it"
                    );
                }
                assert_instants_have_local_dates(field, &format!("{path}.{name}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_instants_have_local_dates(item, &format!("{path}[{i}]"));
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn a_credit_refund_whose_answer_is_lost_holds_the_credit_until_the_status_sync_learns_it() {
    let app = spawn_app().await;
    // The sandbox's "times out" card loses the first answer of its charge
    // and of its refund.
    let client = app.client_token().await;
    let card = app.tokenize("4000000000000119").await;
    let paid = app
        .make_payment(&client, &key(), json!({ "payment_token": card }))
        .await;
    assert_eq!(paid.status, 202, "{}", paid.body);
    app.sync_payments().await;
    let supervisor = supervisor_token(&app).await;
    app.grant_credit(DANA, 3000).await;
    assert_eq!(credit_of(&app, DANA).await, Cents(3000));

    let lost = refund_credit(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "reason": "slow gateway" }),
    )
    .await;
    assert_eq!(lost.status, 202, "{}", lost.body);
    assert_eq!(lost.body["status"], "unknown");
    assert!(
        entries(&app, DANA, EntryKind::Refund).await.is_empty(),
        "nothing booked yet"
    );
    // It holds the credit meanwhile: the quote applies none, and it cannot be refunded again.
    assert_eq!(credit_of(&app, DANA).await, Cents(0));
    let quote = total_due(&app, &supervisor).await;
    assert_eq!(quote["credit_cents"], 0, "{quote}");
    refund_credit(
        &app,
        &supervisor,
        DANA,
        &key(),
        json!({ "reason": "again" }),
    )
    .await
    .assert_problem(422, "credit_insufficient");

    app.sync_payments().await;
    assert_eq!(entries(&app, DANA, EntryKind::Refund).await, vec![3000]);
    assert_eq!(credit_of(&app, DANA).await, Cents(0));
    assert_eq!(app.gateway.refunds_made(), 1);
    crate::ledger::assert_running_balances(&app).await;
}
