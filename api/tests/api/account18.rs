//! Issue 18's My Account parts: the client's own Auto Pay status and next
//! charge, and the version of the terms a payment link's payer accepted.

use crate::support::*;
use serde_json::json;

async fn my_autopay(app: &TestApp, client: &str) -> Reply {
    app.get("/api/v1/me/autopay", Some(client)).await
}

#[tokio::test]
async fn a_client_sees_their_auto_pay_off_with_no_card_and_no_next_charge() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let shown = my_autopay(&app, &client).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["autopay_enabled"], false);
    assert_eq!(shown.body["card"], serde_json::Value::Null);
    assert_eq!(shown.body["next_charge"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_client_on_auto_pay_sees_the_card_and_the_same_next_charge_staff_see() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let on = app
        .call("PUT", "/me/autopay")
        .token(Some(&client))
        .json(&json!({ "enabled": true, "card_id": DANA_VISA }))
        .send()
        .await;
    assert_eq!(on.status, 200, "{}", on.body);

    let shown = my_autopay(&app, &client).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.body["autopay_enabled"], true);
    assert_eq!(shown.body["card"]["id"], DANA_VISA.to_string());
    assert_eq!(shown.body["card"]["last4"], "4242");
    let next = &shown.body["next_charge"];
    assert!(
        next["amount_cents"].as_i64().unwrap_or_default() > 0,
        "{next}"
    );
    assert!(next["date"].is_string(), "{next}");
    // The lapsed Camry is charged first.
    assert_eq!(next["vehicle_id"], DANA_CAMRY.to_string());

    let staff = app.agent_token().await;
    let reminders = app
        .get(&format!("/api/v1/clients/{DANA}/reminders"), Some(&staff))
        .await;
    assert_eq!(reminders.status, 200, "{}", reminders.body);
    assert_eq!(
        &reminders.body["next_autopay_charge"], next,
        "one rule for both"
    );
}

#[tokio::test]
async fn auto_pay_status_is_for_clients_only() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    my_autopay(&app, &staff).await.assert_problem_status(401);
    app.get("/api/v1/me/autopay", None)
        .await
        .assert_problem_status(401);
}

/// Pays the link of `token` with the sandbox Visa, accepting the terms of
/// `version`.
async fn pay_accepting(app: &TestApp, token: &str, version: &str) -> Reply {
    let card = app.tokenize("4242424242424242").await;
    app.redeem_link(
        token,
        &key(),
        &json!({ "payment_token": card, "accept_terms": true, "terms_version": version }),
    )
    .await
}

#[tokio::test]
async fn the_terms_version_accepted_is_recorded_with_the_payment() {
    let app = spawn_app().await;
    let terms = app.get("/api/v1/terms", None).await;
    let version = terms.body["version"].as_str().expect("version").to_owned();
    let token = app.link_token_to("5125550143").await;
    let paid = pay_accepting(&app, &token, &version).await;
    assert_eq!(paid.status, 200, "{}", paid.body);

    let staff = app.agent_token().await;
    let history = app.account_history(&staff, DANA).await;
    let payment = history["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .find(|p| p["id"] == paid.body["payment_id"])
        .expect("the payment")
        .clone();
    assert_eq!(payment["terms_version"], version.as_str(), "{payment}");
}

#[tokio::test]
async fn a_payment_without_terms_shows_no_terms_version() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let paid = app.take_payment(&staff, &key()).await;
    assert!(paid.status == 200 || paid.status == 201, "{}", paid.body);
    let history = app.account_history(&staff, DANA).await;
    for payment in history["payments"].as_array().expect("payments") {
        assert!(payment.get("terms_version").is_none(), "{payment}");
    }
}

#[tokio::test]
async fn terms_accepted_in_a_stale_version_are_refused_and_nothing_is_charged() {
    let app = spawn_app().await;
    let token = app.link_token_to("5125550143").await;
    let reply = pay_accepting(&app, &token, "2020-01-01").await;
    reply.assert_problem(409, "terms_version_stale");
    assert_eq!(app.gateway.captured_charges(), 0);
    // The link stays payable with the current version.
    let terms = app.get("/api/v1/terms", None).await;
    let version = terms.body["version"].as_str().expect("version").to_owned();
    let paid = pay_accepting(&app, &token, &version).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
}

#[tokio::test]
async fn a_redeem_without_a_terms_version_is_refused_and_nothing_is_charged() {
    let app = spawn_app().await;
    let token = app.link_token_to("5125550143").await;
    let card = app.tokenize("4242424242424242").await;
    for body in [
        json!({ "payment_token": card, "accept_terms": true }),
        json!({ "payment_token": card, "accept_terms": true, "terms_version": null }),
        json!({ "payment_token": card, "accept_terms": true, "terms_version": " " }),
    ] {
        let reply = app.redeem_link(&token, &key(), &body).await;
        reply.assert_problem(422, "terms_version_required");
        assert_eq!(
            reply.body["errors"][0]["field"], "terms_version",
            "{}",
            reply.body
        );
    }
    assert_eq!(app.gateway.captured_charges(), 0);
    // Not an attempt against the link's limit either: it stays payable.
    let link = app
        .call("GET", "/payment-link")
        .link_token(&token)
        .send()
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    let paid = app
        .redeem_link(
            &token,
            &key(),
            &json!({ "payment_token": card, "accept_terms": true, "terms_version": TERMS_VERSION }),
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.body);
}
