//! 3-D Secure with the payer present (issue 15, item 3): the sandbox's card
//! 4000 0027 6000 3184 on the secure payment page and in Make a Payment waits
//! in `requires_action` for the sandbox bank's challenge, and only the
//! gateway's answer, asked for by the confirm endpoints or the status sync,
//! moves the payment. Also the Stripe Customer kept on the client (item 4).

use crate::support::*;
use chrono::Duration;
use payments_api::gateway::StripeGateway;
use serde_json::{json, Value};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const THREE_D_SECURE_CARD: &str = "4000002760003184";

async fn confirm_link(app: &TestApp, token: &str, payment_id: &Value) -> Reply {
    app.call("POST", "/payment-link/confirm")
        .link_token(token)
        .json(&json!({ "payment_id": payment_id }))
        .send()
        .await
}

async fn confirm_mine(app: &TestApp, client: &str, payment_id: &Value) -> Reply {
    let id = payment_id.as_str().expect("a payment id");
    app.call("POST", &format!("/me/payments/{id}/confirm"))
        .token(Some(client))
        .send()
        .await
}

/// The payer answers the sandbox bank's challenge: `approve` or `fail`.
async fn answer_challenge(app: &TestApp, client_secret: &str, outcome: &str) -> Reply {
    app.post(
        "/sandbox/authenticate",
        None,
        &json!({ "client_secret": client_secret, "outcome": outcome }),
    )
    .await
}

/// The `requires_action` answer's client secret, after checking its shape.
fn client_secret(reply: &Reply) -> String {
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["status"], "requires_action");
    assert!(reply.body["invoice_id"].is_null());
    reply.body["next_action"]["client_secret"]
        .as_str()
        .expect("next_action.client_secret")
        .to_owned()
}

/// Dana's Make a Payment for her Camry with the 3-D Secure card: its reply.
async fn make_3ds_payment(app: &TestApp, client: &str) -> Reply {
    let card = app.tokenize(THREE_D_SECURE_CARD).await;
    app.make_payment(client, &key(), json!({ "payment_token": card }))
        .await
}

async fn my_payment(app: &TestApp, payment_id: &Value) -> payments_api::domain::Payment {
    let id = payment_id.as_str().expect("id").parse().expect("uuid");
    app.store.payment(id).await.expect("read").expect("payment")
}

#[tokio::test]
async fn the_3ds_card_on_the_pay_page_waits_for_the_bank_and_is_paid_once_after_approval() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let token = app.link_token_to("512-555-0143").await;
    let card = app.tokenize(THREE_D_SECURE_CARD).await;
    let redeem_key = key();

    let waiting = app.redeem_link_with_token(&token, &redeem_key, &card).await;
    let secret = client_secret(&waiting);
    let payment_id = waiting.body["payment_id"].clone();
    // Open like `pending`: it holds the link and reserves the past due.
    let opened = app.open_link(&token).await;
    assert_eq!(opened.body["payment_in_progress"], true, "{}", opened.body);
    assert_eq!(app.account_history(&staff, DANA).await["past_due_cents"], 0);
    assert_eq!(app.gateway.captured_charges(), 0);
    // Only the gateway's word counts: confirming before the bank answered
    // changes nothing and hands the secret back to resume.
    let early = confirm_link(&app, &token, &payment_id).await;
    assert_eq!(client_secret(&early), secret);

    let answered = answer_challenge(&app, &secret, "approve").await;
    assert_eq!(answered.status, 204, "{}", answered.body);
    let paid = confirm_link(&app, &token, &payment_id).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["status"], "succeeded");
    assert_eq!(paid.body["amount_cents"], 15_588);
    assert!(paid.body["invoice_number"].as_i64().is_some());
    assert!(paid.body.get("next_action").is_none());
    // The confirm that recorded the success gives the receipt's reference.
    let receipt = &paid.body["receipt"];
    assert!(receipt["receipt_number"].is_string(), "{}", paid.body);
    assert!(receipt["receipt_reference"].is_string(), "{}", paid.body);

    let again = confirm_link(&app, &token, &payment_id).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["invoice_id"], paid.body["invoice_id"]);
    assert_eq!(again.body["receipt"]["receipt_id"], receipt["receipt_id"]);
    assert!(again.body["receipt"].get("receipt_reference").is_none());
    assert_eq!(app.gateway.captured_charges(), 1);
    let history = app.account_history(&staff, DANA).await;
    let succeeded = history["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .filter(|p| p["status"] == "succeeded")
        .count();
    assert_eq!(succeeded, 1, "{history}");
    app.open_link(&token).await.assert_problem(410, "link_used");
    let log = app.client_log(&staff, DANA).await;
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("Secure payment link payment of $155.88")
                && l.contains("succeeded"))
            .count(),
        1,
        "{log:?}"
    );
    assert!(log
        .iter()
        .any(|l| l.contains("waits for the cardholder to confirm it with their bank")));

    // A replay of the redeem answers as stored: without the secret.
    let replay = app.redeem_link_with_token(&token, &redeem_key, &card).await;
    assert_eq!(replay.status, 202, "{}", replay.body);
    assert!(replay.body.get("next_action").is_none(), "{}", replay.body);
    // The secret was never logged nor stored.
    assert!(
        !app.logs().contains(&secret),
        "the client secret was logged"
    );
    assert!(
        !database_text(&app).await.contains(&secret),
        "the client secret was stored"
    );
}

#[tokio::test]
async fn a_failed_challenge_is_declined_and_the_link_stays_payable() {
    let app = spawn_app().await;
    let token = app.link_token_to("512-555-0143").await;
    let card = app.tokenize(THREE_D_SECURE_CARD).await;

    let waiting = app.redeem_link_with_token(&token, &key(), &card).await;
    let secret = client_secret(&waiting);
    assert_eq!(answer_challenge(&app, &secret, "fail").await.status, 204);
    let declined = confirm_link(&app, &token, &waiting.body["payment_id"]).await;
    declined.assert_problem(402, "authentication_failed");
    // A challenge is answered once.
    answer_challenge(&app, &secret, "approve")
        .await
        .assert_problem(409, "authentication_answered");

    let opened = app.open_link(&token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.body["payment_in_progress"], false);
    let ok = app.tokenize("4242424242424242").await;
    let paid = app.redeem_link_with_token(&token, &key(), &ok).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn make_a_payment_with_the_3ds_card_is_paid_after_approval_and_only_by_its_client() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let waiting = make_3ds_payment(&app, &client).await;
    let secret = client_secret(&waiting);
    let payment_id = waiting.body["payment_id"].clone();

    // Another payment's id, or a staff token: not found or not allowed.
    confirm_mine(&app, &client, &json!(uuid::Uuid::new_v4()))
        .await
        .assert_problem(404, "payment_not_found");
    let staff = app.agent_token().await;
    assert_eq!(confirm_mine(&app, &staff, &payment_id).await.status, 401);

    answer_challenge(&app, &secret, "approve").await;
    let paid = confirm_mine(&app, &client, &payment_id).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["status"], "succeeded");
    assert!(
        paid.body["receipt"]["receipt_reference"].is_string(),
        "{}",
        paid.body
    );
    let invoices = app.get("/api/v1/me/invoices", Some(&client)).await;
    assert_eq!(invoices.body[0]["id"], paid.body["invoice_id"]);
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn a_challenge_left_unanswered_is_cancelled_by_the_status_sync_after_the_timeout() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let waiting = make_3ds_payment(&app, &client).await;
    let secret = client_secret(&waiting);
    let payment_id = waiting.body["payment_id"].clone();

    assert_eq!(app.sync_payments().await, 0);
    app.clock.advance(Duration::seconds(899));
    assert_eq!(app.sync_payments().await, 0, "not yet 15 minutes");
    assert_eq!(
        my_payment(&app, &payment_id).await.status.as_str(),
        "requires_action"
    );
    app.clock.advance(Duration::seconds(2));
    assert_eq!(app.sync_payments().await, 1);
    let payment = my_payment(&app, &payment_id).await;
    assert_eq!(
        (payment.status.as_str(), payment.failure_code.as_deref()),
        ("failed", Some("authentication_required"))
    );
    // Too late for the bank; the payer's confirm hears the recorded outcome.
    answer_challenge(&app, &secret, "approve")
        .await
        .assert_problem(409, "authentication_answered");
    let client = app.client_token().await;
    confirm_mine(&app, &client, &payment_id)
        .await
        .assert_problem(402, "authentication_required");
    assert_eq!(app.gateway.captured_charges(), 0);
    // Its reservation of the past due is given back.
    let staff = app.agent_token().await;
    assert_eq!(
        app.account_history(&staff, DANA).await["past_due_cents"],
        10_284
    );
}

#[tokio::test]
async fn a_link_left_waiting_for_the_bank_is_payable_again_after_the_configured_time() {
    let app = spawn_app_with(&[("AUTHENTICATION_TIMEOUT_SECONDS", "120")]).await;
    let token = app.link_token_to("512-555-0143").await;
    let card = app.tokenize(THREE_D_SECURE_CARD).await;
    client_secret(&app.redeem_link_with_token(&token, &key(), &card).await);

    app.clock.advance(Duration::seconds(121));
    assert_eq!(app.sync_payments().await, 1);
    let opened = app.open_link(&token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.body["payment_in_progress"], false);
    let ok = app.tokenize("4242424242424242").await;
    assert_eq!(
        app.redeem_link_with_token(&token, &key(), &ok).await.status,
        200
    );
}

#[tokio::test]
async fn a_confirm_and_the_status_sync_at_once_record_one_outcome() {
    for approve in [true, false] {
        let app = spawn_app().await;
        let client = app.client_token().await;
        let waiting = make_3ds_payment(&app, &client).await;
        let secret = client_secret(&waiting);
        let payment_id = waiting.body["payment_id"].clone();
        if approve {
            answer_challenge(&app, &secret, "approve").await;
        }
        app.clock.advance(Duration::seconds(901));
        let client = app.client_token().await;

        let (confirmed, _) = tokio::join!(
            confirm_mine(&app, &client, &payment_id),
            app.sync_payments()
        );

        let payment = my_payment(&app, &payment_id).await;
        let staff = app.agent_token().await;
        let log = app.client_log(&staff, DANA).await;
        let outcomes = log
            .iter()
            .filter(|l| l.contains("succeeded") || l.contains("was declined"))
            .count();
        assert_eq!(outcomes, 1, "one outcome is recorded: {log:?}");
        if approve {
            assert_eq!(confirmed.status, 200, "{}", confirmed.body);
            assert_eq!(payment.status.as_str(), "succeeded");
            assert_eq!(app.gateway.captured_charges(), 1);
            let invoices = app.get("/api/v1/me/invoices", Some(&client)).await;
            let paid = invoices
                .body
                .as_array()
                .expect("invoices")
                .iter()
                .filter(|i| i["id"] == json!(payment.invoice_id))
                .count();
            assert_eq!(paid, 1);
        } else {
            assert!([202, 402].contains(&confirmed.status), "{}", confirmed.body);
            assert_eq!(payment.status.as_str(), "failed");
            assert_eq!(app.gateway.captured_charges(), 0);
        }
    }
}

#[tokio::test]
async fn staff_charges_of_a_3ds_card_on_file_are_declined_as_authentication_required() {
    use payments_api::store::{NewCard, NewLogEntry};
    let app = spawn_app().await;
    // A card kept before saves went through the bank (none is saved now).
    let card_id = uuid::Uuid::new_v4();
    app.store
        .add_card(
            &NewCard {
                id: card_id,
                client_id: DANA,
                gateway_token: "card_sbx_3ds_visa_3184_122030_saved".into(),
                brand: "visa".into(),
                last4: "3184".into(),
                exp_month: 12,
                exp_year: 2030,
                fingerprint: None,
            },
            &NewLogEntry {
                client_id: DANA,
                author_kind: payments_api::domain::AuthorKind::System,
                author_name: "test".into(),
                message: "card added by the test".into(),
            },
            app.clock.now(),
        )
        .await
        .expect("card");
    let staff = app.agent_token().await;
    let reply = app
        .take_payment_for(&staff, &key(), DANA, DANA_CAMRY, 14, card_id)
        .await;
    reply.assert_problem(402, "authentication_required");
    assert!(reply.body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("My Account or through a payment link")));
    assert_eq!(app.gateway.captured_charges(), 0);
}

#[tokio::test]
async fn saving_a_3ds_card_without_paying_is_refused_with_authentication_required() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize(THREE_D_SECURE_CARD).await;
    app.post(
        "/me/cards",
        Some(&client),
        &json!({ "payment_token": card }),
    )
    .await
    .assert_problem(402, "authentication_required");
}

/// A local Stripe for saving cards: Customers and SetupIntents, the latter
/// answering with the payment method it was given.
async fn stripe_for_card_saves() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/customers"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "cus_dana", "object": "customer"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/setup_intents"))
        .respond_with(|request: &Request| {
            let form: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&request.body).unwrap_or_default();
            let field = |name: &str| {
                form.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            ResponseTemplate::new(200).set_body_json(json!({
                "id": format!("seti_{}", field("payment_method")),
                "object": "setup_intent",
                "status": "succeeded",
                "usage": field("usage"),
                "customer": field("customer"),
                "payment_method": {
                    "id": field("payment_method"),
                    "object": "payment_method",
                    // Two PaymentMethods of one number share a fingerprint
                    // (`pm_same_1`, `pm_same_2`); every other is its own card.
                    "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031,
                        "fingerprint": if field("payment_method").starts_with("pm_same") {
                            "fp_same".to_owned()
                        } else {
                            format!("fp_{}", field("payment_method"))
                        }}
                }
            }))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            r"^/v1/payment_methods/pm_[a-z_0-9]+/detach$",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "pm", "object": "payment_method"})),
        )
        .mount(&server)
        .await;
    server
}

/// Issue 18: saving the same card again made a second card on file. At
/// Stripe a card is recognised by `PaymentMethod.card.fingerprint`, and the
/// new PaymentMethod is detached from the Customer.
#[tokio::test]
async fn a_card_saved_again_at_stripe_is_recognised_by_its_fingerprint() {
    let stripe = stripe_for_card_saves().await;
    let gateway = Arc::new(StripeGateway::new(
        stripe.uri(),
        secrecy::SecretString::from("sk_test_local"),
        std::time::Duration::from_secs(5),
    ));
    let app = spawn_app_with_gateway(&[], gateway).await;
    let client = app.client_token().await;
    let save = |token: &'static str| {
        let (app, client) = (&app, &client);
        async move {
            app.post(
                "/me/cards",
                Some(client),
                &json!({ "payment_token": token }),
            )
            .await
        }
    };
    let first = save("pm_same_1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = save("pm_same_2").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], first.body["id"]);
    let other = save("pm_other").await;
    assert_eq!(
        other.status, 201,
        "another number, same brand, last 4 and expiry"
    );
    let cards = app.get("/api/v1/me/cards", Some(&client)).await.body;
    assert_eq!(cards.as_array().map(Vec::len), Some(3), "{cards}");
    let detached: Vec<String> = stripe
        .received_requests()
        .await
        .expect("requests")
        .iter()
        .filter(|r| r.url.path().ends_with("/detach"))
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(detached, ["/v1/payment_methods/pm_same_2/detach"]);
}

#[tokio::test]
async fn a_card_saved_a_day_later_reuses_the_clients_stripe_customer() {
    // Issue 15, item 4: the Customer was made under an idempotency key
    // naming the client, which Stripe forgets after 24 hours.
    let stripe = stripe_for_card_saves().await;
    let gateway = Arc::new(StripeGateway::new(
        stripe.uri(),
        secrecy::SecretString::from("sk_test_local"),
        std::time::Duration::from_secs(5),
    ));
    let app = spawn_app_with_gateway(&[], gateway).await;

    let client = app.client_token().await;
    let first = app
        .post(
            "/me/cards",
            Some(&client),
            &json!({ "payment_token": "pm_first" }),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    app.clock.advance(Duration::hours(25));
    let client = app.client_token().await;
    let second = app
        .post(
            "/me/cards",
            Some(&client),
            &json!({ "payment_token": "pm_second" }),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.body);

    let requests = stripe.received_requests().await.expect("requests");
    let customers = requests
        .iter()
        .filter(|r| r.url.path() == "/v1/customers")
        .count();
    assert_eq!(customers, 1, "one Stripe Customer per client, ever");
    let setups: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/v1/setup_intents")
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(setups.len(), 2);
    assert!(setups.iter().all(|body| body.contains("customer=cus_dana")));
    assert_eq!(
        app.store.gateway_customer_id(DANA).await.expect("read"),
        Some("cus_dana".into())
    );
}

/// Takes the database back to the schema before migration 0009, keeping its
/// payments and the ledger entries that reference them, so that `migrate`
/// applies 0009 (and the later 0010 and 0012) to them. (On SQLite the payments table keeps the wider
/// status check: 0009 rebuilds it all the same, which is what is tested.)
async fn undo_the_requires_action_migration(app: &TestApp) {
    // 0010 and 0012 first, which come after it (on SQLite, 0009 rebuilds the
    // payments and the ledger as they were before them).
    crate::refunds::undo_the_refunds_migration(app).await;
    let statements: &[&str] = if on_postgres(app) {
        &[
            "alter table payments drop constraint payments_status_check",
            "alter table payments add constraint payments_status_check \
            check (status in ('pending', 'succeeded', 'failed', 'unknown', 'held_for_review'))",
            "alter table clients drop column gateway_customer_id",
            "delete from _sqlx_migrations where version = 9",
        ]
    } else {
        // A database before 0009 has no receipts (0011), which reference
        // payments and would stop 0009 from rebuilding them: they go too.
        &[
            "drop table receipts",
            "delete from _sqlx_migrations where version = 11",
            "alter table clients drop column gateway_customer_id",
            "delete from _sqlx_migrations where version = 9",
        ]
    };
    for statement in statements {
        execute_sql(app, statement).await;
    }
}

#[tokio::test]
async fn migrating_to_requires_action_keeps_the_payments_and_the_ledger_entries_that_reference_them(
) {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let paid = app
        .take_payment_for(&staff, &key(), DANA, DANA_F150, 14, DANA_VISA)
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let payments = "select id, status, amount_cents, credit_cents from payments order by id";
    let ledger = "select id, kind, amount_cents, payment_id from ledger_entries order by id";
    let payments_before: Vec<(uuid::Uuid, String, i64, i64)> = query_rows(&app, payments).await;
    let ledger_before: Vec<(i64, String, i64, Option<uuid::Uuid>)> = query_rows(&app, ledger).await;
    assert!(
        ledger_before
            .iter()
            .any(|(_, kind, _, payment)| kind == "payment" && payment.is_some()),
        "a ledger entry references a payment: {ledger_before:?}"
    );

    undo_the_requires_action_migration(&app).await;
    let store = payments_api::store::connect(&database_url(&app))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate to 0009");

    let payments_after: Vec<(uuid::Uuid, String, i64, i64)> = query_rows(&app, payments).await;
    let ledger_after: Vec<(i64, String, i64, Option<uuid::Uuid>)> = query_rows(&app, ledger).await;
    assert_eq!(payments_after, payments_before);
    assert_eq!(ledger_after, ledger_before);
    if !on_postgres(&app) {
        let dangling: Vec<(String,)> = query_rows(&app, "pragma foreign_key_check").await;
        assert!(dangling.is_empty(), "{dangling:?}");
        let kept: Vec<(String,)> = query_rows(
            &app,
            "select name from sqlite_master where tbl_name = 'ledger_entries' \
            and type in ('index', 'trigger') order by name",
        )
        .await;
        assert_eq!(
            kept.into_iter().map(|(name,)| name).collect::<Vec<_>>(),
            [
                "ledger_entries_charge_idx",
                "ledger_entries_chargeback_idx",
                "ledger_entries_client_idx",
                "ledger_entries_no_delete",
                "ledger_entries_no_update",
                "ledger_entries_payment_idx",
            ]
        );
    }

    // The migrated tables take the next payment, its ledger entries after the kept ones.
    let next = app
        .take_payment_for(&staff, &key(), DANA, DANA_CAMRY, 14, DANA_VISA)
        .await;
    assert_eq!(next.status, 201, "{}", next.body);
    let ledger_now: Vec<(i64, String, i64, Option<uuid::Uuid>)> = query_rows(&app, ledger).await;
    let last_kept = ledger_before.last().map_or(0, |entry| entry.0);
    assert!(
        ledger_now.len() > ledger_before.len()
            && ledger_now[ledger_before.len()..]
                .iter()
                .all(|entry| entry.0 > last_kept),
        "{ledger_now:?}"
    );
}
