//! Secure payment links sent by the signed-in client from My Account
//! (`POST /me/payment-links`, `GET /me/payment-links`; issue 18).

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

const PAYER: &str = "(512) 555-0199";

async fn send_mine(app: &TestApp, client: &str, vehicle: Uuid, key: &str) -> Reply {
    app.post_idempotent(
        "/me/payment-links",
        Some(client),
        key,
        &json!({ "vehicle_id": vehicle, "monitor_days": 14, "phone": PAYER }),
    )
    .await
}

async fn my_links(app: &TestApp, client: &str) -> Reply {
    let reply = app.get("/api/v1/me/payment-links", Some(client)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

#[tokio::test]
async fn a_client_texts_a_link_to_their_payer_who_can_pay_it_and_sees_its_status() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let sent = send_mine(&app, &client, DANA_CAMRY, &key()).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["status"], "sent");
    assert_eq!(sent.body["amount_cents"], 15_588, "the same quote as staff");
    assert_eq!(sent.body["phone_masked"], "(•••) •••-0199");

    let token = app.deliver_link_token().await;
    let sms = app.sms.sent();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].to, "+15125550199", "texted to the payer's number");

    let log = app.client_log(&app.agent_token().await, DANA).await;
    assert!(
        log[0].contains("Secure payment link") && log[0].contains("the client"),
        "the Client Log says the client sent it: {log:?}"
    );

    let listed = my_links(&app, &client).await;
    let links = listed.body.as_array().expect("a list");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["id"], sent.body["id"]);
    assert!(
        !listed.body.to_string().contains(&token),
        "the token is in the list"
    );

    // The payer pays it like any link: single use.
    let paid = app.pay_link(&token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let listed = my_links(&app, &client).await;
    assert_eq!(listed.body[0]["status"], "paid", "{}", listed.body);

    let logs = app.logs();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains(&token)).collect();
    assert_eq!(lines.len(), 1, "the token in one log line: {lines:#?}");
    assert!(lines[0].contains("sms_console"), "{}", lines[0]);
    assert!(
        !database_text(&app).await.contains(&token),
        "the token is in the database"
    );
}

#[tokio::test]
async fn a_retried_send_sends_once() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let idempotency_key = key();
    let first = send_mine(&app, &client, DANA_CAMRY, &idempotency_key).await;
    let second = send_mine(&app, &client, DANA_CAMRY, &idempotency_key).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body, second.body);
    assert_eq!(app.drain_outbox().await, 1, "one SMS");
    assert_eq!(
        my_links(&app, &client).await.body.as_array().unwrap().len(),
        1
    );

    let no_key = app
        .post(
            "/me/payment-links",
            Some(&client),
            &json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": PAYER }),
        )
        .await;
    assert_eq!(no_key.status, 400, "{}", no_key.body);
}

#[tokio::test]
async fn a_client_sends_a_bounded_number_of_links_a_day() {
    let app = spawn_app_with(&[("LINK_SENDS_PER_CLIENT_PER_DAY", "2")]).await;
    app.start_of_window(24 * 60);
    let client = app.client_token().await;
    for _ in 0..2 {
        let sent = send_mine(&app, &client, DANA_CAMRY, &key()).await;
        assert_eq!(sent.status, 201, "{}", sent.body);
    }
    let refused = send_mine(&app, &client, DANA_CAMRY, &key()).await;
    refused.assert_problem(429, "rate_limited");
    assert!(refused.retry_after.is_some(), "a 429 says when to retry");
    assert_eq!(app.drain_outbox().await, 2, "no SMS for the refused send");
}

#[tokio::test]
async fn another_clients_vehicle_is_not_found_and_nothing_is_sent() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    send_mine(&app, &client, ELLIS_CIVIC, &key())
        .await
        .assert_problem(404, "vehicle_not_found");
    send_mine(&app, &client, Uuid::new_v4(), &key())
        .await
        .assert_problem(404, "vehicle_not_found");
    assert_eq!(app.drain_outbox().await, 0, "no SMS queued");
    assert_eq!(my_links(&app, &client).await.body, Value::Array(vec![]));
}

#[tokio::test]
async fn a_location_that_does_not_accept_payments_refuses_and_queues_nothing() {
    let app = spawn_app().await;
    execute_sql(&app, "update locations set accepts_payments = false").await;
    let client = app.client_token().await;
    send_mine(&app, &client, DANA_CAMRY, &key())
        .await
        .assert_problem(422, "location_not_accepting_payments");
    assert_eq!(app.drain_outbox().await, 0, "no SMS queued");
    assert_eq!(my_links(&app, &client).await.body, Value::Array(vec![]));
}

#[tokio::test]
async fn bad_numbers_and_staff_tokens_are_refused() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    app.post_idempotent(
        "/me/payment-links",
        Some(&client),
        &key(),
        &json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "12" }),
    )
    .await
    .assert_problem(422, "invalid_phone");
    let staff = app.agent_token().await;
    send_mine(&app, &staff, DANA_CAMRY, &key())
        .await
        .assert_problem(401, "unauthorized");
}
