//! Out-of-date links (issue 16): a link is out of date when what it was sent
//! on is no longer so: the past due or credit it takes (less of it now), or
//! the vehicle's paid-through date (recorded when it was sent). Only what is
//! settled moves it: a payment still open for the vehicle leaves other links
//! as they were, and a redeem meanwhile answers `409 payment_in_progress`
//! (payable again if that payment fails, `409 link_outdated` once it
//! succeeded). Decided again under the client's lock when the payment is
//! written, so two links for one period are never both charged.

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

const THREE_D_SECURE_CARD: &str = "4000002760003184";

/// Sends a 14-day link for `vehicle` to a third party; returns its token.
async fn send_link(app: &TestApp, staff: &str, client: Uuid, vehicle: Uuid) -> String {
    let sent = app
        .send_link_for(staff, client, vehicle, "737-555-0199")
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    app.deliver_token_of(sent.body["id"].as_str().expect("id"))
        .await
}

async fn redeem_with(app: &TestApp, token: &str, number: &str) -> Reply {
    app.pay_link_with(token, &key(), number).await
}

async fn redeem(app: &TestApp, token: &str) -> Reply {
    app.pay_link(token).await
}

/// The link of `token` is refused as out of date, opened and paid, nothing
/// is charged, and staff see it `outdated` (the client's newest link).
async fn assert_refused_as_outdated(app: &TestApp, token: &str, staff: &str, client: Uuid) {
    app.open_link(token)
        .await
        .assert_problem(409, "link_outdated");
    redeem(app, token)
        .await
        .assert_problem(409, "link_outdated");
    assert_eq!(app.gateway.attempts(), 0, "nothing charged");
    assert_eq!(statuses(app, staff, client).await[0], "outdated");
}

async fn statuses(app: &TestApp, staff: &str, client: Uuid) -> Vec<String> {
    let reply = app
        .get(
            &format!("/api/v1/clients/{client}/payment-links"),
            Some(staff),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|l| l["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The payer answers the sandbox bank's challenge of a `202` redeem, then
/// confirms: the payment's final answer.
async fn answer_and_confirm(app: &TestApp, token: &str, waiting: &Reply, outcome: &str) -> Reply {
    assert_eq!(waiting.status, 202, "{}", waiting.body);
    let secret = waiting.body["next_action"]["client_secret"]
        .as_str()
        .expect("client secret");
    let answered = app
        .post(
            "/sandbox/authenticate",
            None,
            &json!({ "client_secret": secret, "outcome": outcome }),
        )
        .await;
    assert_eq!(answered.status, 204, "{}", answered.body);
    app.call("POST", "/payment-link/confirm")
        .link_token(token)
        .json(&json!({ "payment_id": waiting.body["payment_id"] }))
        .send()
        .await
}

fn is_refused_for_the_other(reply: &Reply) -> bool {
    reply.status == 409
        && matches!(
            reply.body["code"].as_str(),
            Some("link_outdated" | "payment_in_progress")
        )
}

#[tokio::test]
async fn two_links_for_one_vehicle_paid_at_once_charge_once() {
    // The gateway takes a while: both redeems are past their first checks
    // before either payment is recorded.
    let app = spawn_app_with(&[("SANDBOX_LATENCY_MS", "150")]).await;
    let staff = app.agent_token().await;
    for round in 1..=3 {
        // Morgan owes nothing and has no credit: only the paid-through date
        // tells the two links apart.
        let first = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
        let second = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
        let (a, b) = tokio::join!(redeem(&app, &first), redeem(&app, &second));
        let paid = [&a, &b].iter().filter(|r| r.status == 200).count();
        assert_eq!(paid, 1, "round {round}: {} / {}", a.body, b.body);
        let (winner, loser, loser_token) = if a.status == 200 {
            (&a, &b, &second)
        } else {
            (&b, &a, &first)
        };
        assert_eq!(winner.body["status"], "succeeded", "{}", winner.body);
        assert!(is_refused_for_the_other(loser), "{}", loser.body);
        assert_eq!(
            app.gateway.captured_charges(),
            round,
            "charged once per round"
        );
        // Once the other succeeded, the loser is out of date for good.
        app.open_link(loser_token)
            .await
            .assert_problem(409, "link_outdated");
        redeem(&app, loser_token)
            .await
            .assert_problem(409, "link_outdated");
        // Newest first: the second link, then the first.
        let listed = statuses(&app, &staff, MORGAN).await;
        let expected = if loser_token == &second {
            ["outdated", "paid"]
        } else {
            ["paid", "outdated"]
        };
        assert_eq!(listed[..2], expected, "round {round}");
    }
}

#[tokio::test]
async fn an_open_payment_for_the_vehicle_outdates_no_link_and_a_failed_one_leaves_it_payable() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let first = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    let second = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    // The first link's payment waits for the payer's bank: open.
    let waiting = redeem_with(&app, &first, THREE_D_SECURE_CARD).await;
    assert_eq!(waiting.status, 202, "{}", waiting.body);

    // Nothing is settled: the second link is not out of date.
    let opened = app.open_link(&second).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(statuses(&app, &staff, MORGAN).await[0], "opened");
    // But it is not charged for the same period meanwhile.
    redeem(&app, &second)
        .await
        .assert_problem(409, "payment_in_progress");
    assert_eq!(app.gateway.captured_charges(), 0);

    // The bank refuses the first: the second is payable again, and paid.
    let failed = answer_and_confirm(&app, &first, &waiting, "fail").await;
    assert_eq!(failed.status, 402, "{}", failed.body);
    assert_eq!(app.open_link(&second).await.status, 200);
    let paid = redeem(&app, &second).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(app.gateway.captured_charges(), 1);
    // Now the first link is out of date (its vehicle was paid).
    app.open_link(&first)
        .await
        .assert_problem(409, "link_outdated");
}

#[tokio::test]
async fn a_link_sent_while_another_payment_for_the_vehicle_is_open_is_refused_then_outdated() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let dana = app.client_token().await;
    // Dana pays her Camry in My Account with a card her bank challenges: open.
    let card = app.tokenize(THREE_D_SECURE_CARD).await;
    let mine = app
        .make_payment(&dana, &key(), json!({ "payment_token": card }))
        .await;
    assert_eq!(mine.status, 202, "{}", mine.body);
    // A link for the same Camry, sent meanwhile (its quote: no past due,
    // which the open payment holds).
    let token = send_link(&app, &staff, DANA, DANA_CAMRY).await;
    assert_eq!(app.open_link(&token).await.status, 200);
    redeem(&app, &token)
        .await
        .assert_problem(409, "payment_in_progress");
    assert_eq!(app.gateway.captured_charges(), 0);

    // The bank approves Dana's payment: the link is out of date.
    let secret = mine.body["next_action"]["client_secret"]
        .as_str()
        .expect("client secret");
    let answered = app
        .post(
            "/sandbox/authenticate",
            None,
            &json!({ "client_secret": secret, "outcome": "approve" }),
        )
        .await;
    assert_eq!(answered.status, 204, "{}", answered.body);
    let id = mine.body["payment_id"].as_str().expect("payment id");
    let confirmed = app
        .call("POST", &format!("/me/payments/{id}/confirm"))
        .token(Some(&dana))
        .send()
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    app.open_link(&token)
        .await
        .assert_problem(409, "link_outdated");
    redeem(&app, &token)
        .await
        .assert_problem(409, "link_outdated");
    assert_eq!(app.gateway.captured_charges(), 1, "the period is paid once");
}

#[tokio::test]
async fn staff_cannot_take_a_payment_for_a_vehicle_while_its_link_is_being_paid() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let token = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    let waiting = redeem_with(&app, &token, THREE_D_SECURE_CARD).await;
    assert_eq!(waiting.status, 202, "{}", waiting.body);
    app.take_payment_for(
        &staff,
        &key(),
        MORGAN,
        MORGAN_OUTBACK,
        14,
        MORGAN_MASTERCARD,
    )
    .await
    .assert_problem(409, "payment_in_progress");
    assert_eq!(app.gateway.attempts(), 1, "only the link's charge");
    let paid = answer_and_confirm(&app, &token, &waiting, "approve").await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    // Once the link's payment is recorded, staff may pay a next period.
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
    assert_eq!(taken.status, 201, "{}", taken.body);
}

#[tokio::test]
async fn a_credit_granted_after_the_link_was_sent_makes_it_out_of_date() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let supervisor = app.staff_token(&SUPERVISOR_LOGIN).await;
    // Dana owes past due: the link collects all of it.
    let token = send_link(&app, &staff, DANA, DANA_CAMRY).await;
    let granted = app
        .post_idempotent(
            &format!("/clients/{DANA}/credits"),
            Some(&supervisor),
            &key(),
            &json!({ "amount_cents": 2_500, "reason": "device outage" }),
        )
        .await;
    assert_eq!(granted.status, 201, "{}", granted.body);
    // The credit paid part of the past due: the link would collect too much.
    assert_refused_as_outdated(&app, &token, &staff, DANA).await;
}

#[tokio::test]
async fn a_credit_applied_to_the_vehicle_after_the_link_was_sent_makes_it_out_of_date() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let supervisor = app.staff_token(&SUPERVISOR_LOGIN).await;
    let token = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    // A credit for a whole period, applied to the same vehicle: no payment,
    // but the period the link was sent for is paid.
    let quote: Value = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    let total = quote["total_due_cents"].as_i64().expect("total");
    app.grant_credit(MORGAN, total).await;
    let applied = app
        .apply_credit(&supervisor, &key(), MORGAN, MORGAN_OUTBACK, 14)
        .await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    assert_refused_as_outdated(&app, &token, &staff, MORGAN).await;
}

#[tokio::test]
async fn auto_pay_skips_a_vehicle_whose_link_is_being_paid() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // Morgan is on Auto Pay; the Outback is due.
    let due = app.clock.now().date_naive() - chrono::Duration::days(1);
    execute_sql(
        &app,
        &format!("update vehicles set paid_through = '{due}' where id = '{MORGAN_OUTBACK}'"),
    )
    .await;
    let token = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    let waiting = redeem_with(&app, &token, THREE_D_SECURE_CARD).await;
    assert_eq!(waiting.status, 202, "{}", waiting.body);

    let report = app.run_autopay().await;
    assert_eq!((report.succeeded, report.skipped), (0, 1), "{report:?}");
    assert_eq!(app.gateway.attempts(), 1, "only the link's charge");

    // The link's payment goes through: the period is paid, nothing is due.
    let paid = answer_and_confirm(&app, &token, &waiting, "approve").await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(app.run_autopay().await, Default::default());
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn a_credit_is_not_applied_to_a_vehicle_while_its_link_payment_is_open() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let supervisor = app.staff_token(&SUPERVISOR_LOGIN).await;
    // The payer's bank challenges the card: the link's payment stays open.
    let token = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    let waiting = redeem_with(&app, &token, THREE_D_SECURE_CARD).await;
    assert_eq!(waiting.status, 202, "{}", waiting.body);
    // Meanwhile a credit for a whole period would pay the same period.
    let quote: Value = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    let total = quote["total_due_cents"].as_i64().expect("total");
    app.grant_credit(MORGAN, total).await;
    app.apply_credit(&supervisor, &key(), MORGAN, MORGAN_OUTBACK, 14)
        .await
        .assert_problem(409, "payment_in_progress");
    // The link's payment goes through; the credit stays the client's.
    let paid = answer_and_confirm(&app, &token, &waiting, "approve").await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let applied = app
        .apply_credit(&supervisor, &key(), MORGAN, MORGAN_OUTBACK, 14)
        .await;
    assert_eq!(applied.status, 201, "{}", applied.body);
}

/// A rolling deploy of migration 0032 (PostgreSQL, where several instances
/// run): a link inserted by an instance of the release before it, without
/// the vehicle's paid-through date, is not out of date for that.
#[tokio::test]
async fn a_link_inserted_without_the_paid_through_date_by_an_older_instance_is_payable() {
    let app = spawn_app().await;
    if !on_postgres(&app) {
        return; // one embedded instance, upgraded whole
    }
    let staff = app.agent_token().await;
    let sent = app
        .send_link_for(&staff, MORGAN, MORGAN_OUTBACK, "737-555-0199")
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let id = sent.body["id"].as_str().expect("id");
    // The same link's row, inserted as the older release did: every column
    // but the paid-through date (a new id and token).
    let copy = Uuid::new_v4();
    execute_sql(
        &app,
        &format!(
            "insert into payment_links select * from jsonb_populate_record(null::payment_links, \
             (select to_jsonb(l) - 'vehicle_paid_through' || jsonb_build_object('id', '{copy}', \
             'token_hash', '\\x{}') from payment_links l where id = '{id}'))",
            copy.simple()
        ),
    )
    .await;
    let statuses = statuses(&app, &staff, MORGAN).await;
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert!(statuses.iter().all(|s| s != "outdated"), "{statuses:?}");
}

/// The summary `payer` is shown for `vehicle` of `client` (14 days): its
/// total and the vehicle's paid-through date it was made from.
async fn shown(app: &TestApp, payer: &str, client: Uuid, vehicle: Uuid) -> (Value, Value) {
    let quote = app.quote(payer, client, vehicle, 14).await;
    assert_eq!(quote.status, 200, "{}", quote.body);
    assert!(
        quote.body.get("paid_through").is_some(),
        "the summary says which period it quotes: {}",
        quote.body
    );
    (
        quote.body["total_due_cents"].clone(),
        quote.body["paid_through"].clone(),
    )
}

#[tokio::test]
async fn a_take_a_payment_confirmed_after_a_link_paid_the_period_is_refused() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // The agent reviews Take a Payment's summary for the Outback…
    let (total, paid_through) = shown(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    // …while the payer of a link pays that very period.
    let token = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    let paid = redeem(&app, &token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let (total_now, paid_through_now) = shown(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    assert_eq!(total_now, total, "the same total: it cannot tell");
    assert_ne!(paid_through_now, paid_through);

    // The agent confirms what they saw: the following period is not paid.
    let body = json!({
        "vehicle_id": MORGAN_OUTBACK,
        "monitor_days": 14,
        "card_id": MORGAN_MASTERCARD,
        "expected_total_cents": total,
        "expected_paid_through": paid_through,
    });
    app.post_idempotent(
        &format!("/clients/{MORGAN}/payments"),
        Some(&staff),
        &key(),
        &body,
    )
    .await
    .assert_problem(409, "quote_changed");
    assert_eq!(app.gateway.attempts(), 1, "only the link's charge");

    // Confirmed again on the new summary, it pays the next period.
    let body = json!({
        "vehicle_id": MORGAN_OUTBACK,
        "monitor_days": 14,
        "card_id": MORGAN_MASTERCARD,
        "expected_total_cents": total_now,
        "expected_paid_through": paid_through_now,
    });
    let taken = app
        .post_idempotent(
            &format!("/clients/{MORGAN}/payments"),
            Some(&staff),
            &key(),
            &body,
        )
        .await;
    assert_eq!(taken.status, 201, "{}", taken.body);
}

#[tokio::test]
async fn a_make_a_payment_confirmed_after_a_link_paid_the_period_is_refused() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let dana = app.client_token().await;
    // Dana's past due is paid first, so a link's payment leaves her total as
    // it was.
    let first = app
        .make_payment(&dana, &key(), json!({ "card_id": DANA_VISA }))
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let (total, paid_through) = shown(&app, &dana, DANA, DANA_CAMRY).await;
    let token = send_link(&app, &staff, DANA, DANA_CAMRY).await;
    let paid = redeem(&app, &token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let (total_now, paid_through_now) = shown(&app, &dana, DANA, DANA_CAMRY).await;
    assert_eq!(total_now, total, "the same total: it cannot tell");
    assert_ne!(paid_through_now, paid_through);

    let attempts = app.gateway.attempts();
    app.make_payment(
        &dana,
        &key(),
        json!({ "card_id": DANA_VISA, "expected_total_cents": total, "expected_paid_through": paid_through }),
    )
    .await
    .assert_problem(409, "quote_changed");
    assert_eq!(app.gateway.attempts(), attempts, "nothing charged");

    let made = app
        .make_payment(
            &dana,
            &key(),
            json!({ "card_id": DANA_VISA, "expected_total_cents": total_now, "expected_paid_through": paid_through_now }),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
}

#[tokio::test]
async fn a_payment_shown_a_vehicle_never_paid_is_refused_once_a_link_paid_it() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    execute_sql(
        &app,
        &format!(
            "update vehicles set paid_through = null where id = {}",
            uuid_sql(&app, MORGAN_OUTBACK)
        ),
    )
    .await;
    let (total, paid_through) = shown(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    assert_eq!(paid_through, Value::Null, "never paid");
    let token = send_link(&app, &staff, MORGAN, MORGAN_OUTBACK).await;
    let paid = redeem(&app, &token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let body = json!({
        "vehicle_id": MORGAN_OUTBACK,
        "monitor_days": 14,
        "card_id": MORGAN_MASTERCARD,
        "expected_total_cents": total,
        "expected_paid_through": null,
    });
    app.post_idempotent(
        &format!("/clients/{MORGAN}/payments"),
        Some(&staff),
        &key(),
        &body,
    )
    .await
    .assert_problem(409, "quote_changed");
}
