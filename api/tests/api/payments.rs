use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

#[tokio::test]
async fn take_payment_charges_the_card_on_file_exactly_the_quoted_amount() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let quote = app.quote(&token, DANA, DANA_CAMRY, 14).await.body;
    let reply = app.take_payment(&token, &key()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.body["status"], "succeeded");
    assert_eq!(reply.body["amount_cents"], quote["total_due_cents"]);
    assert_eq!(reply.body["amount_cents"], 15_588);
    assert_eq!(
        (
            reply.body["card_brand"].as_str(),
            reply.body["card_last4"].as_str()
        ),
        (Some("visa"), Some("4242"))
    );

    let history = app.account_history(&token, DANA).await;
    let invoice = &history["invoices"][0];
    assert_eq!(invoice["id"], reply.body["invoice_id"]);
    assert_eq!(invoice["number"], reply.body["invoice_number"]);
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["total_cents"], quote["total_due_cents"]);
    assert_eq!(
        invoice["lines"], quote["lines"],
        "the invoice is the quote the agent saw"
    );
    assert_eq!(
        history["past_due_cents"], 0,
        "the past due balance was paid off"
    );
    assert_eq!(
        history["invoices"][1]["status"], "paid",
        "the overdue invoice is settled"
    );
    assert_eq!(history["payments"][0]["id"], reply.body["payment_id"]);
    assert_eq!(app.gateway.captured_charges(), 1);

    let log = app.client_log(&token, DANA).await;
    assert!(log[0].starts_with("Take a Payment of $155.88 with Visa •••• 4242 by Alex Agent (staff) succeeded, invoice #"), "{log:?}");
}

#[tokio::test]
async fn next_payment_suggests_the_vehicle_due_first_with_the_clients_plan() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let next = app
        .get(
            &format!("/api/v1/clients/{DANA}/next-payment"),
            Some(&token),
        )
        .await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(
        next.body["vehicle_id"],
        DANA_CAMRY.to_string(),
        "the Camry ran out first"
    );
    assert_eq!(next.body["monitor_days"], 30);
    assert_eq!(next.body["total_due_cents"], 20_568);
    assert_eq!(next.body["default_card_id"], DANA_VISA.to_string());
    assert_eq!(next.body["accepts_payments"], true);
}

#[tokio::test]
async fn each_sandbox_test_card_has_its_outcome() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    for (number, status, code) in [
        ("4000000000000002", 402, "card_declined"),
        ("4000000000009995", 402, "insufficient_funds"),
    ] {
        let card = app.tokenize(number).await;
        let reply = app
            .make_payment(&client, &key(), json!({ "payment_token": card }))
            .await;
        reply.assert_problem(status, code);
    }
    assert_eq!(app.gateway.captured_charges(), 0);
    let ok = app.tokenize("4242424242424242").await;
    let paid = app
        .make_payment(&client, &key(), json!({ "payment_token": ok }))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(paid.body["amount_cents"], 15_588);
    let invoices = app.get("/api/v1/me/invoices", Some(&client)).await;
    assert_eq!(invoices.body[0]["id"], paid.body["invoice_id"]);
    assert_eq!(app.gateway.captured_charges(), 1);
    // The 3-D Secure card waits for the payer's bank (tests/api/three_d_secure.rs).
    let card = app.tokenize("4000002760003184").await;
    let reply = app
        .make_payment(&client, &key(), json!({ "payment_token": card }))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["status"], "requires_action");
    assert_eq!(app.gateway.captured_charges(), 1);
}

/// Dana's Make a Payment for the Camry, 14 days, as its first try left it: the payment written
/// (pending) under `idempotency_key`, then the process died before the gateway answered.
async fn payment_written_by_a_first_try(
    app: &TestApp,
    idempotency_key: &str,
    card: &str,
) -> payments_api::domain::Payment {
    use payments_api::domain::{ChargeKey, ChargeParams, MonitorDays, PaymentMethod};
    use payments_api::store::NewPayment;
    let dana = app.store.client(DANA).await.expect("read").expect("Dana");
    let (_, quote) = dana
        .quote(DANA_CAMRY, MonitorDays::Fourteen)
        .expect("quote");
    app.store
        .insert_payment(&NewPayment {
            id: Uuid::new_v4(),
            client_id: DANA,
            vehicle_id: DANA_CAMRY,
            payment_link_id: None,
            method: PaymentMethod::NewCard,
            card_id: None,
            card_brand: None,
            card_last4: None,
            gateway_key: ChargeKey::for_request(&format!("client:{DANA}"), idempotency_key)
                .to_string(),
            quote,
            charge_params: ChargeParams {
                single_use: true,
                source: card.into(),
                description: "the first try".into(),
                off_session: false,
                save_to_customer: None,
            },
            initiated_by: "Dana (client)".into(),
            terms_version: None,
            expected_paid_through: None,
            now: app.clock.now(),
        })
        .await
        .expect("insert the payment")
}

#[tokio::test]
async fn a_retry_of_a_payment_that_collects_past_due_reaches_the_first_charge() {
    use payments_api::gateway::{ChargeRequest, PaymentGateway, PaymentSource};
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize("4242424242424242").await;
    let idempotency_key = key();
    let first = payment_written_by_a_first_try(&app, &idempotency_key, &card).await;
    assert!(first.quote.past_due_cents.0 > 0);
    // The gateway charged the first try; its answer never came back.
    app.gateway
        .charge(&ChargeRequest {
            amount: first.amount_cents,
            source: PaymentSource::SingleUse(&card),
            charge_key: &first.charge_key(),
            description: "the first try",
            off_session: false,
            save_to_customer: None,
        })
        .await
        .unwrap();
    // The app retries the same request. Today's quote leaves out the past due the payment holds.
    let body = json!({ "payment_token": card, "expected_total_cents": first.amount_cents.0 });
    let retry = app.make_payment(&client, &idempotency_key, body).await;
    assert_eq!(
        (retry.status, retry.body["status"].as_str()),
        (201, Some("succeeded")),
        "{}",
        retry.body
    );
    assert_eq!(retry.body["payment_id"], first.id.to_string());
    assert_eq!(app.gateway.captured_charges(), 1);
    let staff = app.agent_token().await;
    assert_eq!(app.account_history(&staff, DANA).await["past_due_cents"], 0);
}

#[tokio::test]
async fn the_status_sync_leaves_alone_a_stale_payment_that_a_retry_is_charging() {
    use payments_api::domain::PaymentStatus;
    // The gateway takes 1 s, so the status sync runs while the retry's charge is on its way.
    let app = spawn_app_with(&[("SANDBOX_LATENCY_MS", "1000")]).await;
    let client = app.client_token().await;
    let card = app.tokenize("4242424242424242").await;
    let idempotency_key = key();
    let stale = payment_written_by_a_first_try(&app, &idempotency_key, &card).await;
    // Past the status sync's cutoff, the app retries with the same key.
    app.clock.advance(chrono::Duration::seconds(130));
    let retry = app.make_payment(&client, &idempotency_key, json!({ "payment_token": card }));
    let status_sync = async {
        eventually(
            "the retry stamps the payment",
            Duration::from_secs(10),
            || async {
                let payment = app.store.payment(stale.id).await.unwrap().unwrap();
                (payment.updated_at != stale.updated_at).then_some(())
            },
        )
        .await;
        // The retry has stamped the payment and is charging it: the gateway has not seen it yet.
        let verdict = app.sync_payments().await;
        let cutoff = app.clock.now()
            - chrono::Duration::seconds(app.state.settings.status_sync_after_seconds);
        let log = payments_api::store::NewLogEntry::by(
            &payments_api::domain::Actor::System,
            DANA,
            "a late verdict",
        );
        let late = app
            .store
            .fail_payment(
                stale.id,
                "processing_error",
                &log,
                app.clock.now(),
                Some(cutoff),
            )
            .await
            .unwrap();
        (verdict, late.status)
    };
    let (retry, (finished, after_late_verdict)) = tokio::join!(retry, status_sync);
    assert_eq!(
        finished, 0,
        "nothing for the status sync to finish while a retry is charging"
    );
    assert_eq!(
        after_late_verdict,
        PaymentStatus::Pending,
        "a verdict made before the retry stamped the payment changes nothing"
    );
    assert_eq!(
        (retry.status, retry.body["status"].as_str()),
        (201, Some("succeeded")),
        "{}",
        retry.body
    );
    let payment = app.store.payment(stale.id).await.unwrap().unwrap();
    assert_eq!(payment.status, PaymentStatus::Succeeded);
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn a_lost_gateway_answer_leaves_the_payment_unknown_until_the_status_sync_and_never_charges_twice(
) {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize("4000000000000119").await;
    let idempotency_key = key();
    let body = json!({ "payment_token": card });
    let first = app
        .make_payment(&client, &idempotency_key, body.clone())
        .await;
    assert_eq!(
        (first.status, first.body["status"].as_str()),
        (202, Some("unknown")),
        "{}",
        first.body
    );
    assert!(first.body["invoice_id"].is_null());
    let retry = app.make_payment(&client, &idempotency_key, body).await;
    assert_eq!(retry.body, first.body, "a retry replays the first answer");

    assert_eq!(app.sync_payments().await, 1);
    assert_eq!(
        app.sync_payments().await,
        0,
        "nothing left for the status sync"
    );
    let payment_id: Uuid = first.body["payment_id"].as_str().unwrap().parse().unwrap();
    let payment = app.store.payment(payment_id).await.unwrap().unwrap();
    assert_eq!(payment.status.as_str(), "succeeded");
    let invoices = app.get("/api/v1/me/invoices", Some(&client)).await;
    assert_eq!(
        invoices.body[0]["id"].as_str(),
        payment.invoice_id.map(|i| i.to_string()).as_deref()
    );
    assert_eq!(invoices.body[0]["total_cents"], 15_588);
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn fifty_concurrent_take_payments_with_one_key_charge_once() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let idempotency_key = key();
    let replies =
        futures_util::future::join_all((0..50).map(|_| app.take_payment(&token, &idempotency_key)))
            .await;
    let created: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
    assert!(!created.is_empty());
    for reply in &replies {
        assert!(
            reply.status == 201 || (reply.status == 409 && reply.code() == "request_in_progress"),
            "{} {}",
            reply.status,
            reply.body
        );
    }
    // The first answer alone holds the receipt's reference (it is stored
    // hashed): the replays are the same answer without it.
    let without_reference = |body: &Value| {
        let mut body = body.clone();
        if let Some(receipt) = body["receipt"].as_object_mut() {
            receipt.remove("receipt_reference");
        }
        body
    };
    let first = without_reference(&created[0].body);
    assert!(
        created.iter().all(|r| without_reference(&r.body) == first),
        "every success is the same payment"
    );
    assert_eq!(
        created
            .iter()
            .filter(|r| r.body["receipt"].get("receipt_reference").is_some())
            .count(),
        1,
        "one answer gives the receipt's reference"
    );
    assert_eq!(app.gateway.captured_charges(), 1);
    let history = app.account_history(&token, DANA).await;
    assert_eq!(history["payments"].as_array().unwrap().len(), 1);
    assert_eq!(
        history["invoices"].as_array().unwrap().len(),
        2,
        "the overdue one and exactly one new one"
    );
    let retry = app.take_payment(&token, &idempotency_key).await;
    assert_eq!((retry.status, &retry.body), (201, &first));
}

#[tokio::test]
async fn a_payment_whose_answer_was_lost_keeps_its_past_due_from_other_payments() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let lost_card = app.tokenize("4000000000000119").await;
    let lost = app
        .make_payment(&client, &key(), json!({ "payment_token": lost_card }))
        .await;
    assert_eq!(
        (lost.status, lost.body["amount_cents"].as_i64()),
        (202, Some(15_588)),
        "{}",
        lost.body
    );
    let f150 = app.quote(&client, DANA, DANA_F150, 14).await;
    assert_eq!(
        f150.body["past_due_cents"], 0,
        "the open payment is collecting it"
    );
    let card = app.tokenize("4242424242424242").await;
    let body = json!({ "vehicle_id": DANA_F150, "monitor_days": 14, "payment_token": card });
    let second = app
        .post_idempotent("/me/payments", Some(&client), &key(), &body)
        .await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.body["amount_cents"], f150.body["total_due_cents"]);
    assert_eq!(app.sync_payments().await, 1, "the lost answer: charged");
    let staff = app.agent_token().await;
    assert_eq!(
        app.account_history(&staff, DANA).await["past_due_cents"],
        0,
        "collected once"
    );
}

#[tokio::test]
async fn two_payments_at_once_for_two_vehicles_collect_the_past_due_once() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let (camry_key, f150_key) = (key(), key());
    let (camry, f150) = tokio::join!(
        app.take_payment_for(&token, &camry_key, DANA, DANA_CAMRY, 14, DANA_VISA),
        app.take_payment_for(&token, &f150_key, DANA, DANA_F150, 14, DANA_VISA),
    );
    for reply in [&camry, &f150] {
        assert!(
            reply.status == 201 || (reply.status == 409 && reply.body["code"] == "quote_changed"),
            "{} {}",
            reply.status,
            reply.body
        );
    }
    assert!(camry.status == 201 || f150.status == 201);
    assert_eq!(
        app.account_history(&token, DANA).await["past_due_cents"],
        0,
        "collected once"
    );
}

#[tokio::test]
async fn an_idempotency_key_reused_for_a_different_request_is_refused() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let idempotency_key = key();
    assert_eq!(app.take_payment(&token, &idempotency_key).await.status, 201);
    let other = app
        .take_payment_for(&token, &idempotency_key, DANA, DANA_F150, 14, DANA_VISA)
        .await;
    other.assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn money_moving_requests_need_an_idempotency_key() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let body = json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA });
    app.post(&format!("/clients/{DANA}/payments"), Some(&token), &body)
        .await
        .assert_problem(400, "idempotency_key_required");
    app.post_idempotent(
        &format!("/clients/{DANA}/payments"),
        Some(&token),
        "bad key with spaces",
        &body,
    )
    .await
    .assert_problem(400, "invalid_idempotency_key");
    let client = app.client_token().await;
    app.post(
        "/me/payments",
        Some(&client),
        &json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA }),
    )
    .await
    .assert_problem(400, "idempotency_key_required");
    assert_eq!(app.gateway.captured_charges(), 0);
}

#[tokio::test]
async fn a_declined_answer_is_replayed_and_a_new_key_can_try_again() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let declined_key = key();
    let card = app.tokenize("4000000000000002").await;
    let first = app
        .make_payment(&client, &declined_key, json!({ "payment_token": card }))
        .await;
    first.assert_problem(402, "card_declined");
    let again = app
        .make_payment(&client, &declined_key, json!({ "payment_token": card }))
        .await;
    assert_eq!(again.body, first.body);
    let good = app.tokenize("4242424242424242").await;
    assert_eq!(
        app.make_payment(&client, &key(), json!({ "payment_token": good }))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn locations_that_do_not_accept_payments_refuse_and_the_refusal_is_logged() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let reply = app
        .take_payment_for(&token, &key(), ELLIS, ELLIS_CIVIC, 14, DANA_VISA)
        .await;
    reply.assert_problem(422, "location_not_accepting_payments");
    let log = app.client_log(&token, ELLIS).await;
    assert!(
        log[0].contains("refused")
            && log[0].contains("El Paso West")
            && log[0].contains("Alex Agent"),
        "{log:?}"
    );
    assert_eq!(app.gateway.captured_charges(), 0);
}

#[tokio::test]
async fn staff_cannot_make_a_client_payment_and_clients_cannot_take_one() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let client = app.client_token().await;
    app.make_payment(&staff, &key(), json!({ "card_id": DANA_VISA }))
        .await
        .assert_problem(401, "unauthorized");
    app.take_payment(&client, &key())
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_client_cannot_read_or_charge_another_clients_things() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let paid = app
        .take_payment_for(&staff, &key(), RILEY, RILEY_WRANGLER, 14, Uuid::nil())
        .await;
    paid.assert_problem(404, "card_not_found");
    // An invoice of Morgan's, made by a supervisor.
    let supervisor = app.staff_token(&SUPERVISOR_LOGIN).await;
    let invoice = app
        .post_idempotent(
            &format!("/clients/{MORGAN}/invoices"),
            Some(&supervisor),
            &key(),
            &json!({ "vehicle_id": MORGAN_OUTBACK, "monitor_days": 14 }),
        )
        .await;
    assert_eq!(invoice.status, 201, "{}", invoice.body);
    let dana = app.client_token().await;
    let other = invoice.body["id"].as_str().unwrap();
    app.get(&format!("/api/v1/me/invoices/{other}"), Some(&dana))
        .await
        .assert_problem(404, "invoice_not_found");
    app.make_payment(&dana, &key(), json!({ "card_id": MORGAN_MASTERCARD }))
        .await
        .assert_problem(404, "card_not_found");
    app.post_idempotent(
        "/me/payments",
        Some(&dana),
        &key(),
        &json!({ "vehicle_id": MORGAN_OUTBACK, "monitor_days": 14, "card_id": DANA_VISA }),
    )
    .await
    .assert_problem(404, "vehicle_not_found");
    assert_eq!(app.gateway.captured_charges(), 0);
}

#[tokio::test]
async fn a_changed_total_is_refused_before_charging() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let body = json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA, "expected_total_cents": 17_648 });
    app.post_idempotent(
        &format!("/clients/{DANA}/payments"),
        Some(&token),
        &key(),
        &body,
    )
    .await
    .assert_problem(409, "quote_changed");
    assert_eq!(app.gateway.captured_charges(), 0);
}

#[tokio::test]
async fn an_added_invoice_raises_the_past_due_balance() {
    let app = spawn_app().await;
    let token = app.staff_token(&SUPERVISOR_LOGIN).await;
    let reply = app
        .post_idempotent(
            &format!("/clients/{RILEY}/invoices"),
            Some(&token),
            &key(),
            &json!({ "vehicle_id": RILEY_WRANGLER, "monitor_days": 14 }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        (
            reply.body["status"].as_str(),
            reply.body["total_cents"].as_i64()
        ),
        (Some("open"), Some(5_304))
    );
    let history = app.account_history(&token, RILEY).await;
    assert_eq!(history["past_due_cents"], 5_304);
    assert!(app.client_log(&token, RILEY).await[0].contains("added by Sam Supervisor"));
    let quote = app.quote(&token, RILEY, RILEY_WRANGLER, 14).await;
    assert_eq!(quote.body["total_due_cents"], 5_304 * 2);
}

/// Issue 15, item 4 (and issue 18's defect): "Save this card" kept a card
/// that was then declined.
#[tokio::test]
async fn a_declined_card_is_never_kept_on_file_and_a_lost_answer_keeps_it_when_settled() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let cards = || async {
        let me = app.get("/api/v1/me", Some(&client)).await.body;
        me["cards"].as_array().map(Vec::len).unwrap_or_default()
    };
    let before = cards().await;
    let declined = app
        .make_payment(
            &client,
            &key(),
            json!({ "payment_token": app.tokenize("4000000000000002").await, "save_card": true }),
        )
        .await;
    declined.assert_problem(402, "card_declined");
    assert_eq!(cards().await, before, "the declined card was kept");
    // The answer is lost: the card is kept when the status sync settles it.
    let lost = app
        .make_payment(
            &client,
            &key(),
            json!({ "payment_token": app.tokenize("4000000000000119").await, "save_card": true }),
        )
        .await;
    assert_eq!(lost.body["status"], "unknown", "{}", lost.body);
    assert_eq!(cards().await, before);
    app.clock.advance(chrono::Duration::seconds(130));
    app.sync_payments().await;
    assert_eq!(cards().await, before + 1);
}

#[tokio::test]
async fn a_client_can_save_a_card_pay_with_it_and_enroll_in_autopay() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize("5555555555554444").await;
    let paid = app
        .make_payment(
            &client,
            &key(),
            json!({ "payment_token": card, "save_card": true, "enroll_autopay": true }),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let me = app.get("/api/v1/me", Some(&client)).await.body;
    let cards = me["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2);
    let new_card = cards.iter().find(|c| c["last4"] == "4444").unwrap();
    assert_eq!(me["autopay_enabled"], true);
    assert_eq!(me["autopay_card_id"], new_card["id"]);
    let removed = app
        .http
        .delete(app.url(&format!(
            "/api/v1/me/cards/{}",
            new_card["id"].as_str().unwrap()
        )))
        .bearer_auth(&client)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 409, "the Auto Pay card stays");
    let off = app
        .http
        .put(app.url("/api/v1/me/autopay"))
        .bearer_auth(&client)
        .json(&json!({ "enabled": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 200);
    let removed = app
        .http
        .delete(app.url(&format!(
            "/api/v1/me/cards/{}",
            new_card["id"].as_str().unwrap()
        )))
        .bearer_auth(&client)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    for expected in [
        "Card Mastercard •••• 4444 saved",
        "Auto Pay enabled with Mastercard •••• 4444",
        "Auto Pay turned off",
        "Card Mastercard •••• 4444 removed",
    ] {
        assert!(
            log.iter().any(|m| m.starts_with(expected)),
            "missing {expected:?} in {log:?}"
        );
    }
}

#[tokio::test]
async fn autopay_needs_a_saved_card() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize("4242424242424242").await;
    app.make_payment(
        &client,
        &key(),
        json!({ "payment_token": card, "enroll_autopay": true }),
    )
    .await
    .assert_problem(422, "autopay_needs_saved_card");
    app.make_payment(&client, &key(), json!({}))
        .await
        .assert_problem(422, "payment_method_required");
}

#[tokio::test]
async fn the_autopay_run_charges_due_clients_once_however_often_it_runs() {
    let app = spawn_app().await;
    let first = app.run_autopay().await;
    assert_eq!(
        first.succeeded, 1,
        "Morgan's Outback is due tomorrow: {first:?}"
    );
    let second = app.run_autopay().await;
    assert_eq!(second, Default::default(), "nothing is due any more");
    assert_eq!(app.gateway.captured_charges(), 1);
    let staff = app.agent_token().await;
    let history = app.account_history(&staff, MORGAN).await;
    assert_eq!(history["payments"][0]["method"], "autopay");
    assert_eq!(history["payments"][0]["amount_cents"], 10_284);
    assert!(app.client_log(&staff, MORGAN).await[0]
        .starts_with("Auto Pay of $102.84 with Mastercard •••• 4444 by System succeeded"));
}

/// Saves a sandbox card for Morgan that behaves as `scenario` and makes it the Auto Pay card.
async fn morgan_autopays_with(app: &TestApp, scenario: &str, last4: &str) {
    use payments_api::{domain::Actor, store::NewCard, store::NewLogEntry};
    let card = NewCard {
        id: Uuid::new_v4(),
        client_id: MORGAN,
        gateway_token: format!("card_sbx_{scenario}_visa_{last4}_122030_saved"),
        brand: "visa".into(),
        last4: last4.into(),
        exp_month: 12,
        exp_year: 2030,
        fingerprint: None,
    };
    let log = NewLogEntry::by(&Actor::System, MORGAN, "test card");
    let now = app.clock.now();
    app.store
        .add_card(&card, &log, now)
        .await
        .expect("save the card");
    app.store
        .set_autopay(MORGAN, Some(card.id), &log, now)
        .await
        .expect("make it the Auto Pay card");
}

#[tokio::test]
async fn autopay_charges_a_new_card_after_a_decline() {
    let app = spawn_app().await;
    morgan_autopays_with(&app, "decline", "0002").await;
    let declined = app.run_autopay().await;
    assert_eq!(declined.failed, 1, "{declined:?}");
    let again = app.run_autopay().await;
    assert_eq!(
        again.failed, 1,
        "the declined card is not charged again: {again:?}"
    );
    morgan_autopays_with(&app, "ok", "4242").await;
    let paid = app.run_autopay().await;
    assert_eq!(paid.succeeded, 1, "{paid:?}");
    assert_eq!(app.gateway.captured_charges(), 1);
}

/// Morgan's Outback as a run read it from the due list, and the day it must
/// be paid through (Austin's tomorrow).
async fn morgan_due(app: &TestApp) -> (payments_api::store::AutopayDue, chrono::NaiveDate) {
    use payments_api::domain::{BusinessDay, LocationTimeZone};
    let zone = LocationTimeZone::or_utc(AUSTIN_TIME_ZONE);
    let due_by = BusinessDay::at(app.clock.now(), zone) + chrono::Duration::days(1);
    let due = app
        .store
        .autopay_due(AUSTIN, due_by)
        .await
        .expect("the due list");
    assert_eq!(due.len(), 1, "Morgan's Outback is due: {due:?}");
    (due[0].clone(), due_by)
}

/// Issue 19: two runs could both charge a period when the client switched
/// cards between their reads (each charge key names its card). Under the
/// lock of the client's period, the later run reads again and finds it paid.
#[tokio::test]
async fn a_run_that_read_the_due_list_before_another_paid_never_charges_the_new_card() {
    let app = spawn_app().await;
    let (stale, due_by) = morgan_due(&app).await;
    assert_eq!(app.run_autopay().await.succeeded, 1, "the other run");
    morgan_autopays_with(&app, "ok", "4242").await;
    let late = app
        .job(payments_api::services::autopay::charge_due(
            &app.state, &stale, due_by,
        ))
        .await
        .expect("the late run");
    assert_eq!(late, Default::default(), "the period is paid");
    assert_eq!(app.gateway.captured_charges(), 1);
    let staff = app.agent_token().await;
    let history = app.account_history(&staff, MORGAN).await;
    assert_eq!(history["payments"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_period_another_run_is_charging_is_left_to_it() {
    let app = spawn_app().await;
    let (due, due_by) = morgan_due(&app).await;
    let period = due.paid_through.expect("paid through").to_string();
    let lock = format!("autopay-period:{MORGAN}:{MORGAN_OUTBACK}:{period}");
    let now = app.clock.now();
    assert!(app
        .store
        .acquire_lease(
            &lock,
            "another run",
            now,
            now + chrono::Duration::minutes(5)
        )
        .await
        .expect("take the lock"));
    let (first, second) = tokio::join!(
        app.job(payments_api::services::autopay::charge_due(
            &app.state, &due, due_by
        )),
        app.run_autopay(),
    );
    assert_eq!(first.expect("run").pending, 1);
    assert_eq!(second.pending, 1, "{second:?}");
    assert_eq!(app.gateway.attempts(), 0, "nothing reached the gateway");
    app.store
        .release_lease(&lock, "another run")
        .await
        .expect("release");
    assert_eq!(app.run_autopay().await.succeeded, 1);
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn autopay_charges_no_other_card_while_a_charge_whose_answer_was_lost_is_open() {
    let app = spawn_app().await;
    morgan_autopays_with(&app, "timeout", "0119").await;
    let lost = app.run_autopay().await;
    assert_eq!(lost.pending, 1, "{lost:?}");
    morgan_autopays_with(&app, "ok", "4242").await;
    let waiting = app.run_autopay().await;
    assert_eq!(waiting.pending, 1, "{waiting:?}");
    assert_eq!(app.sync_payments().await, 1);
    let after = app.run_autopay().await;
    assert_eq!(
        after,
        Default::default(),
        "the first charge paid the period"
    );
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn the_sandbox_refuses_bad_cards_with_their_own_codes() {
    let app = spawn_app().await;
    // An expired card is refused like the gateway's decline of one (402).
    for (number, exp_year, cvc, status, code) in [
        ("4242424242424241", 2030, "123", 422, "invalid_card_number"),
        ("4242424242424242", 2020, "123", 402, "expired_card"),
        ("4242424242424242", 2030, "12", 422, "invalid_cvc"),
        ("4111111111111111", 2030, "123", 422, "test_card_required"),
    ] {
        let reply = app
            .post(
                "/sandbox/tokenize",
                None,
                &json!({ "number": number, "exp_month": 12, "exp_year": exp_year, "cvc": cvc }),
            )
            .await;
        reply.assert_problem(status, code);
    }
}

#[tokio::test]
async fn card_numbers_cvcs_and_payment_tokens_never_reach_the_logs() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let token = app.tokenize("4242424242424242").await;
    let declined = app.tokenize("4000000000000002").await;
    app.make_payment(&client, &key(), json!({ "payment_token": declined }))
        .await;
    app.make_payment(
        &client,
        &key(),
        json!({ "payment_token": token, "save_card": true }),
    )
    .await;
    let logs = app.logs();
    assert!(
        logs.contains("/api/v1/sandbox/tokenize"),
        "requests are logged"
    );
    for secret in [
        "4242424242424242",
        "4000000000000002",
        token.as_str(),
        declined.as_str(),
    ] {
        assert!(!logs.contains(secret), "{secret} reached the logs");
    }
    // The CVC is three digits, which a timestamp may hold: look for it as a value.
    for written in [
        format!("\"{TEST_CVC}\""),
        format!("={TEST_CVC}"),
        format!(": {TEST_CVC}"),
    ] {
        assert!(!logs.contains(&written), "the CVC reached the logs");
    }
    assert!(
        !logs.to_lowercase().contains("cvc"),
        "a CVC field reached the logs"
    );
}

#[tokio::test]
async fn a_client_cannot_test_cards_through_make_a_payment() {
    let app = spawn_app_with(&[("CLIENT_NEW_CARD_ATTEMPTS_PER_HOUR", "3")]).await;
    let client = app.client_token().await;
    let mut cards = Vec::new();
    for _ in 0..12 {
        cards.push(app.tokenize("4000000000000002").await);
    }
    app.start_of_window(60);
    // One after another: concurrent ones would also meet the past-due rule
    // (one payment at a time may collect it); the counter itself is atomic.
    let mut answers = Vec::new();
    for card in &cards {
        answers.push(
            app.make_payment(&client, &key(), json!({ "payment_token": card }))
                .await,
        );
    }
    let count = |status: u16| answers.iter().filter(|r| r.status == status).count();
    assert_eq!(app.gateway.attempts(), 3, "gateway attempts");
    assert_eq!((count(402), count(429)), (3, 9));
    assert!(answers
        .iter()
        .filter(|r| r.status == 429)
        .all(|r| r.retry_after.is_some()));
    // The card on file still pays.
    let on_file = app
        .make_payment(&client, &key(), json!({ "card_id": DANA_VISA }))
        .await;
    assert_eq!(on_file.status, 201, "{}", on_file.body);
}

#[tokio::test]
async fn a_client_saves_a_bounded_number_of_cards_a_day() {
    let app = spawn_app_with(&[("CLIENT_CARD_SAVES_PER_DAY", "2")]).await;
    app.start_of_window(24 * 60);
    let client = app.client_token().await;
    // The second save is of the card the first kept: answered as on file
    // (200), and counted all the same.
    for expected in [201, 200, 429] {
        let card = app.tokenize("5555555555554444").await;
        let reply = app
            .post(
                "/me/cards",
                Some(&client),
                &json!({ "payment_token": card }),
            )
            .await;
        assert_eq!(reply.status, expected, "{}", reply.body);
    }
    let refused = app
        .make_payment(
            &client,
            &key(),
            json!({ "payment_token": app.tokenize("4242424242424242").await, "save_card": true }),
        )
        .await;
    refused.assert_problem(429, "rate_limited");
    assert_eq!(app.gateway.attempts(), 0, "nothing charged");
}

/// Dana pays with the sandbox card whose first answer is lost: the gateway
/// charged, the payment is `unknown`. Returns its id.
async fn payment_whose_answer_was_lost(app: &TestApp) -> Uuid {
    let client = app.client_token().await;
    let card = app.tokenize("4000000000000119").await;
    let lost = app
        .make_payment(&client, &key(), json!({ "payment_token": card }))
        .await;
    assert_eq!(lost.body["status"], "unknown", "{}", lost.body);
    lost.body["payment_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a payment id")
}

/// Issue 15, item 2: the status sync turned "search has not found it yet"
/// into "failed" after RECONCILE_AFTER_SECONDS, though the money was taken.
#[tokio::test]
async fn a_lost_answer_is_learnt_by_repeating_the_request_never_failed_early() {
    let app = spawn_app_with_lagging_search(&[]).await;
    let id = payment_whose_answer_was_lost(&app).await;
    app.clock.advance(chrono::Duration::seconds(130));
    // Search finds nothing yet; the same request with the same key gets the
    // first answer back.
    assert_eq!(app.sync_payments().await, 1);
    let payment = app.store.payment(id).await.unwrap().unwrap();
    assert_eq!(payment.status.as_str(), "succeeded");
    assert!(payment.invoice_id.is_some());
    assert_eq!(app.gateway.captured_charges(), 1, "charged once");
}

#[tokio::test]
async fn without_its_request_a_payment_not_found_fails_only_once_the_gateway_forgot_its_key() {
    let app = spawn_app_with_lagging_search(&[]).await;
    let id = payment_whose_answer_was_lost(&app).await;
    // A payment from before requests were kept: only the lookup can tell.
    execute_sql(&app, "update payments set charge_params = null").await;
    let status = || async { app.store.payment(id).await.unwrap().unwrap().status };
    app.clock.advance(chrono::Duration::hours(23));
    assert_eq!(app.sync_payments().await, 0);
    assert_eq!(
        status().await.as_str(),
        "unknown",
        "not found yet is not failed"
    );
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(app.sync_payments().await, 1);
    assert_eq!(status().await.as_str(), "failed");
}

/// Review of issue 15's change: a repeated request the gateway refuses (a
/// rotated key, a changed parameter: not necessarily a replay) must not fail
/// a payment whose money may have been taken. It is looked up instead, and
/// stays open while not found.
#[tokio::test]
async fn a_refused_repeat_leaves_the_payment_open_for_the_lookup() {
    let app = spawn_app_with_lagging_search(&[]).await;
    let id = payment_whose_answer_was_lost(&app).await;
    execute_sql(
        &app,
        r#"update payments set charge_params = '{"single_use":true,"source":"tok_unknown","description":"x","off_session":false}'"#,
    )
    .await;
    app.clock.advance(chrono::Duration::seconds(130));
    assert_eq!(app.sync_payments().await, 0);
    let payment = app.store.payment(id).await.unwrap().unwrap();
    assert_eq!(
        payment.status.as_str(),
        "unknown",
        "{:?}",
        payment.failure_code
    );
}
