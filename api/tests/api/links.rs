use crate::support::*;
use chrono::Duration;
use serde_json::{json, Value};
use uuid::Uuid;

/// Sends a link for Dana's Camry (14 days) to `phone`; returns the reply.
async fn send(app: &TestApp, staff: &str, phone: &str) -> Reply {
    app.send_link_for(staff, DANA, DANA_CAMRY, phone).await
}

async fn open(app: &TestApp, token: &str) -> Reply {
    app.open_link(token).await
}

/// Redeems the link of `token` with the sandbox token `card`, terms accepted.
async fn redeem(app: &TestApp, token: &str, card: &str) -> Reply {
    app.redeem_link_with_token(token, &key(), card).await
}

#[tokio::test]
async fn the_full_flow_sends_opens_pays_and_invoices_once() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let sent = send(&app, &staff, "512-555-0143").await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["status"], "sent");
    assert_eq!(sent.body["amount_cents"], 15_588);
    assert_eq!(sent.body["phone_masked"], "(•••) •••-0143");
    let sent_at =
        chrono::DateTime::parse_from_rfc3339(sent.body["sent_at"].as_str().unwrap()).unwrap();
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(sent.body["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires_at - sent_at, Duration::seconds(600));

    let token = app.deliver_link_token().await;
    assert_eq!(token.len(), 43);
    let log = app.client_log(&staff, DANA).await;
    assert_eq!(
        log[0],
        "Secure payment link for $155.88 sent to (•••) •••-0143 by Alex Agent"
    );

    let opened = open(&app, &token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.body["client_first_name"], "Dana");
    assert_eq!(opened.body["vehicle_description"], "2019 Toyota Camry");
    assert_eq!(opened.body["total_due_cents"], 15_588);
    assert!(
        opened.body.get("last_name").is_none() && !opened.body.to_string().contains("Whitfield")
    );
    assert!(opened.body["seconds_left"].as_i64().unwrap() > 590);

    let card = app.tokenize("4242424242424242").await;
    let paid = redeem(&app, &token, &card).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(
        (
            paid.body["status"].as_str(),
            paid.body["amount_cents"].as_i64()
        ),
        (Some("succeeded"), Some(15_588))
    );
    let history = app.account_history(&staff, DANA).await;
    assert_eq!(history["invoices"][0]["id"], paid.body["invoice_id"]);
    assert_eq!(history["payments"][0]["method"], "payment_link");

    let again = redeem(&app, &token, &app.tokenize("4242424242424242").await).await;
    again.assert_problem(410, "link_used");
    open(&app, &token).await.assert_problem(410, "link_used");
    let links = app
        .get(
            &format!("/api/v1/clients/{DANA}/payment-links"),
            Some(&staff),
        )
        .await;
    assert_eq!(links.body[0]["status"], "paid");
    assert_eq!(links.body[0]["sms_status"], "delivered");
    assert_eq!(app.gateway.captured_charges(), 1);
}

#[tokio::test]
async fn a_hundred_concurrent_redeems_of_one_link_charge_once() {
    // Limits high enough that every redeem races for the link's claim.
    let app = spawn_app_with(&[
        ("LINK_RATE_LIMIT_PER_MINUTE", "100000"),
        ("LINK_DECLINE_LIMIT", "100000"),
    ])
    .await;
    let staff = app.agent_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let token = app.deliver_link_token().await;
    let mut cards = Vec::new();
    for _ in 0..100 {
        cards.push(app.tokenize("4242424242424242").await);
    }
    let replies =
        futures_util::future::join_all(cards.iter().map(|card| redeem(&app, &token, card))).await;
    let paid: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert_eq!(paid.len(), 1, "exactly one payment");
    for reply in replies.iter().filter(|r| r.status != 200) {
        reply.assert_problem(410, "link_used");
    }
    assert_eq!(app.gateway.captured_charges(), 1);
    let history = app.account_history(&staff, DANA).await;
    assert_eq!(history["payments"].as_array().unwrap().len(), 1);
    assert_eq!(history["invoices"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_link_expires_ttl_seconds_after_it_was_sent() {
    let app = spawn_app_with(&[("PAYMENT_LINK_TTL_SECONDS", "2")]).await;
    let staff = app.agent_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let token = app.deliver_link_token().await;
    let card = app.tokenize("4242424242424242").await;
    app.clock.advance(Duration::seconds(1));
    let opened = open(&app, &token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened.body["seconds_left"].as_i64().unwrap() <= 1);
    app.clock.advance(Duration::seconds(2));
    redeem(&app, &token, &card)
        .await
        .assert_problem(410, "link_expired");
    open(&app, &token).await.assert_problem(410, "link_expired");
    let links = app
        .get(
            &format!("/api/v1/clients/{DANA}/payment-links"),
            Some(&staff),
        )
        .await;
    assert_eq!(links.body[0]["status"], "expired");
    assert_eq!(app.gateway.captured_charges(), 0);
}

#[tokio::test]
async fn a_declined_card_leaves_the_link_payable() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    redeem(&app, &token, &app.tokenize("4000000000000002").await)
        .await
        .assert_problem(402, "card_declined");
    assert_eq!(open(&app, &token).await.status, 200);
    let paid = redeem(&app, &token, &app.tokenize("4242424242424242").await).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
}

#[tokio::test]
async fn terms_must_be_accepted() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    let card = app.tokenize("4242424242424242").await;
    let reply = app
        .redeem_link(
            &token,
            &key(),
            &json!({ "payment_token": card, "accept_terms": false }),
        )
        .await;
    reply.assert_problem(422, "terms_not_accepted");
    assert_eq!(app.gateway.captured_charges(), 0);
}

#[tokio::test]
async fn revoked_and_resent_links() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let first = send(&app, &staff, "5125550143").await;
    let first_token = app.deliver_link_token().await;
    let id = first.body["id"].as_str().unwrap();
    let resent = app
        .post_idempotent(
            &format!("/payment-links/{id}/resend"),
            Some(&staff),
            &key(),
            &json!({}),
        )
        .await;
    assert_eq!(resent.status, 201, "{}", resent.body);
    assert_ne!(resent.body["id"], first.body["id"]);
    let second_token = app.deliver_link_token().await;
    assert_ne!(first_token, second_token);
    open(&app, &first_token)
        .await
        .assert_problem(410, "link_revoked");
    assert_eq!(open(&app, &second_token).await.status, 200);

    let revoked = app
        .post(
            &format!(
                "/payment-links/{}/revoke",
                resent.body["id"].as_str().unwrap()
            ),
            Some(&staff),
            &json!({}),
        )
        .await;
    assert_eq!(
        (revoked.status, revoked.body["status"].as_str()),
        (200, Some("revoked"))
    );
    redeem(&app, &second_token, &app.tokenize("4242424242424242").await)
        .await
        .assert_problem(410, "link_revoked");
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log[0].starts_with("Secure payment link for $155.88 revoked by Alex Agent"),
        "{log:?}"
    );
    assert_eq!(log.iter().filter(|m| m.contains("sent to")).count(), 2);
}

#[tokio::test]
async fn a_link_resent_while_it_is_being_paid_is_paid_or_replaced_never_both() {
    let app = spawn_app_with(&[
        ("LINK_RATE_LIMIT_PER_MINUTE", "1000"),
        ("LINK_SENDS_PER_STAFF_PER_HOUR", "1000"),
    ])
    .await;
    let staff = app.agent_token().await;
    let mut outcomes = std::collections::BTreeMap::new();
    for _ in 0..30 {
        let sent = send(&app, &staff, "5125550143").await;
        let token = app.deliver_link_token().await;
        let card = app.tokenize("4242424242424242").await;
        let resend = format!(
            "/payment-links/{}/resend",
            sent.body["id"].as_str().unwrap()
        );
        let (resend_key, empty) = (key(), json!({}));
        let (resent, paid) = tokio::join!(
            app.post_idempotent(&resend, Some(&staff), &resend_key, &empty),
            redeem(&app, &token, &card),
        );
        assert!(
            !(resent.status == 201 && paid.status == 200),
            "the link was paid and a new one sent for the same amount: {} / {}",
            resent.body,
            paid.body
        );
        *outcomes.entry((resent.status, paid.status)).or_insert(0) += 1;
        app.drain_outbox().await;
    }
    eprintln!("(resend, redeem) outcomes: {outcomes:?}");
}

#[tokio::test]
async fn a_link_whose_past_due_was_paid_since_it_was_sent_is_refused_and_charges_nothing() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let token = app.deliver_link_token().await;
    let taken = app
        .take_payment_for(&staff, &key(), DANA, DANA_F150, 14, DANA_VISA)
        .await;
    assert_eq!(taken.status, 201, "{}", taken.body);
    let card = app.tokenize("4242424242424242").await;
    redeem(&app, &token, &card)
        .await
        .assert_problem(409, "link_outdated");
    open(&app, &token)
        .await
        .assert_problem(409, "link_outdated");
    assert_eq!(app.gateway.captured_charges(), 1);
    assert_eq!(app.account_history(&staff, DANA).await["past_due_cents"], 0);
}

#[tokio::test]
async fn paying_a_link_pays_off_the_invoices_it_was_sent_for_and_not_one_added_since() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let token = app.deliver_link_token().await;
    let body = json!({ "vehicle_id": DANA_F150, "monitor_days": 14 });
    let path = format!("/clients/{DANA}/invoices");
    let supervisor = app.staff_token(&SUPERVISOR_LOGIN).await;
    let added = app
        .post_idempotent(&path, Some(&supervisor), &key(), &body)
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let paid = redeem(&app, &token, &app.tokenize("4242424242424242").await).await;
    assert_eq!(paid.status, 200, "{}", paid.body);

    let history = app.account_history(&staff, DANA).await;
    let status = |id: &Value| {
        let invoices = history["invoices"].as_array().unwrap();
        invoices.iter().find(|i| &i["id"] == id).unwrap()["status"].clone()
    };
    assert_eq!(
        status(&added.body["id"]),
        "open",
        "added after the link was sent: still owed"
    );
    assert_eq!(history["past_due_cents"], added.body["total_cents"]);
    let open = history["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "open")
        .count();
    assert_eq!(
        open, 1,
        "the overdue invoice the link was sent for is paid: {history}"
    );
}

#[tokio::test]
async fn a_link_whose_redeem_wrote_no_payment_is_payable_again_after_a_while() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let sent = send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    let id: Uuid = sent.body["id"].as_str().unwrap().parse().unwrap();
    // A redeem claimed the link, then failed to write its payment (a database error, a crash).
    assert!(app.store.claim_link(id, app.clock.now()).await.unwrap());
    app.sync_payments().await;
    let in_progress = |reply: Reply| reply.body["payment_in_progress"].clone();
    assert_eq!(
        in_progress(open(&app, &token).await),
        true,
        "a fresh claim may still be writing"
    );
    app.clock.advance(Duration::minutes(2));
    app.sync_payments().await;
    assert_eq!(in_progress(open(&app, &token).await), false);

    // A claim whose payment is open stays: that payment may have been charged.
    let lost = redeem(&app, &token, &app.tokenize("4000000000000119").await).await;
    assert_eq!(lost.status, 202, "{}", lost.body);
    let later = app.clock.now() + Duration::hours(1);
    assert_eq!(
        app.store
            .release_stale_link_claims(later, later)
            .await
            .unwrap(),
        0
    );
    assert_eq!(in_progress(open(&app, &token).await), true);
}

#[tokio::test]
async fn unknown_and_malformed_tokens_are_not_found() {
    let app = spawn_app().await;
    open(&app, &"A".repeat(43))
        .await
        .assert_problem(404, "link_not_found");
    open(&app, "short")
        .await
        .assert_problem(404, "link_not_found");
    redeem(&app, &"B".repeat(43), "tok")
        .await
        .assert_problem(404, "link_not_found");
}

#[tokio::test]
async fn a_location_that_does_not_accept_payments_refuses_and_queues_nothing() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let reply = app
        .send_link_for(&staff, ELLIS, ELLIS_CIVIC, "9155550188")
        .await;
    reply.assert_problem(422, "location_not_accepting_payments");
    assert!(reply.body["detail"]
        .as_str()
        .unwrap()
        .contains("El Paso West"));
    assert_eq!(app.drain_outbox().await, 0, "no SMS queued");
    let links = app
        .get(
            &format!("/api/v1/clients/{ELLIS}/payment-links"),
            Some(&staff),
        )
        .await;
    assert_eq!(links.body, Value::Array(vec![]));
}

#[tokio::test]
async fn bad_phone_numbers_are_refused() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    for phone in ["", "555-0143", "phone", "+0 123", "51255501431234"] {
        send(&app, &staff, phone)
            .await
            .assert_problem(422, "invalid_phone");
    }
    assert_eq!(send(&app, &staff, "+1 (512) 555-0143").await.status, 201);
}

#[tokio::test]
async fn numbers_pasted_with_invisible_unicode_are_the_clients_number() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // U+2011 non-breaking hyphens, U+2013 en dashes, U+00A0 no-break spaces,
    // and a contacts app's bidi marks around fullwidth digits.
    for phone in [
        "512\u{2011}555\u{2011}0143",
        "512\u{2013}555\u{2013}0143",
        "512\u{00A0}555\u{00A0}0143",
        "\u{202A}\u{FF15}\u{FF11}\u{FF12} \u{FF15}\u{FF15}\u{FF15} \u{FF10}\u{FF11}\u{FF14}\u{FF13}\u{202C}",
    ] {
        let sent = send(&app, &staff, phone).await;
        assert_eq!(sent.status, 201, "{phone:?}: {}", sent.body);
        assert_eq!(sent.body["phone_masked"], "(•••) •••-0143");
        app.drain_outbox().await;
        let sms = app.sms.sent();
        assert_eq!(sms.last().map(|m| m.to.as_str()), Some("+15125550143"));
    }
    for phone in ["512\u{2011}555\u{2011}O143", "\u{2013}\u{2013}\u{2013}"] {
        send(&app, &staff, phone)
            .await
            .assert_problem(422, "invalid_phone");
    }
}

#[tokio::test]
async fn links_are_not_texted_to_premium_or_foreign_numbers() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    for phone in [
        "+1 900 555 0100",
        "(800) 555-0100",
        "+882 1234 5678",
        "+44 20 7946 0958",
    ] {
        send(&app, &staff, phone)
            .await
            .assert_problem(422, "phone_not_allowed");
    }
    assert_eq!(app.drain_outbox().await, 0, "no SMS queued");
    let abroad = spawn_app_with(&[("SMS_OTHER_COUNTRY_CODES", "44")]).await;
    let staff = abroad.agent_token().await;
    assert_eq!(send(&abroad, &staff, "+44 20 7946 0958").await.status, 201);
}

#[tokio::test]
async fn a_staff_member_sends_a_bounded_number_of_links_an_hour() {
    let app = spawn_app_with(&[("LINK_SENDS_PER_STAFF_PER_HOUR", "2")]).await;
    let staff = app.agent_token().await;
    app.start_of_window(60);
    let first = send(&app, &staff, "5125550143").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let first_token = app.deliver_link_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let refused = send(&app, &staff, "5125550143").await;
    refused.assert_problem(429, "rate_limited");
    assert!(refused.retry_after.is_some(), "a 429 says when to retry");
    // A resend refused by the limit leaves the link it would replace payable.
    let resend = app
        .post_idempotent(
            &format!(
                "/payment-links/{}/resend",
                first.body["id"].as_str().unwrap()
            ),
            Some(&staff),
            &key(),
            &json!({}),
        )
        .await;
    resend.assert_problem(429, "rate_limited");
    let link = app.open_link(&first_token).await;
    assert_eq!(link.status, 200, "{}", link.body);
}

#[tokio::test]
async fn sending_is_idempotent_and_staff_only() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let body = json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" });
    let idempotency_key = key();
    let first = app
        .post_idempotent("/payment-links", Some(&staff), &idempotency_key, &body)
        .await;
    let second = app
        .post_idempotent("/payment-links", Some(&staff), &idempotency_key, &body)
        .await;
    assert_eq!(first.body, second.body);
    assert_eq!(app.drain_outbox().await, 1, "one SMS");
    let client = app.client_token().await;
    app.post_idempotent("/payment-links", Some(&client), &key(), &body)
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn opening_and_redeeming_are_rate_limited_per_ip() {
    let app = spawn_app_with(&[("LINK_RATE_LIMIT_PER_MINUTE", "3")]).await;
    app.start_of_window(1);
    for _ in 0..3 {
        open(&app, &"A".repeat(43))
            .await
            .assert_problem(404, "link_not_found");
    }
    let refused = open(&app, &"A".repeat(43)).await;
    refused.assert_problem(429, "rate_limited");
    assert!(refused.retry_after.is_some());
    app.clock.advance(Duration::minutes(1));
    open(&app, &"A".repeat(43))
        .await
        .assert_problem(404, "link_not_found");
}

#[tokio::test]
async fn concurrent_declining_redeems_reach_the_gateway_at_most_the_limit_times() {
    let app = spawn_app_with(&[
        ("LINK_DECLINE_LIMIT", "5"),
        ("SANDBOX_LATENCY_MS", "300"),
        ("PAYMENT_LINK_TTL_SECONDS", "3600"),
    ])
    .await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    let mut cards = Vec::new();
    for _ in 0..30 {
        cards.push(app.tokenize("4000000000000002").await);
    }
    app.start_of_window(10);
    let answers =
        futures_util::future::join_all(cards.iter().map(|card| redeem(&app, &token, card))).await;
    let count = |status: u16| answers.iter().filter(|r| r.status == status).count();
    assert_eq!(app.gateway.attempts(), 5, "gateway attempts");
    assert_eq!((count(402), count(429)), (5, 25));
}

#[tokio::test]
async fn a_link_whose_location_stopped_taking_payments_charges_nothing() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    let austin = "update locations set accepts_payments = false where name = 'Austin Central'";
    execute_sql(&app, austin).await;
    redeem(&app, &token, &app.tokenize("4242424242424242").await)
        .await
        .assert_problem(422, "location_not_accepting_payments");
    assert_eq!(app.gateway.attempts(), 0, "nothing charged");
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log.iter()
            .any(|m| m.starts_with("Secure payment link payment refused")),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_paid_link_answers_link_used_however_often_it_is_tried() {
    let app = spawn_app_with(&[("LINK_DECLINE_LIMIT", "2")]).await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    let paid = redeem(&app, &token, &app.tokenize("4242424242424242").await).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    for _ in 0..4 {
        redeem(&app, &token, &app.tokenize("4242424242424242").await)
            .await
            .assert_problem(410, "link_used");
    }
}

#[tokio::test]
async fn repeated_declines_lock_a_link_for_a_while() {
    let app = spawn_app_with(&[
        ("LINK_DECLINE_LIMIT", "2"),
        ("PAYMENT_LINK_TTL_SECONDS", "3600"),
    ])
    .await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    app.start_of_window(10);
    for _ in 0..2 {
        redeem(&app, &token, &app.tokenize("4000000000000002").await)
            .await
            .assert_problem(402, "card_declined");
    }
    redeem(&app, &token, &app.tokenize("4242424242424242").await)
        .await
        .assert_problem(429, "rate_limited");
    app.clock.advance(Duration::minutes(10));
    assert_eq!(
        redeem(&app, &token, &app.tokenize("4242424242424242").await)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_token_appears_only_in_the_console_sms_line_and_never_in_the_database() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    open(&app, &token).await;
    redeem(&app, &token, &app.tokenize("4242424242424242").await).await;
    let logs = app.logs();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains(&token)).collect();
    assert_eq!(lines.len(), 1, "the token in one log line: {lines:#?}");
    assert!(
        lines[0].contains("sms_console"),
        "token in a log line: {}",
        lines[0]
    );
    assert!(
        logs.contains("/api/v1/payment-link/redeem"),
        "the redeem is logged (by its route)"
    );
    assert!(
        !database_text(&app).await.contains(&token),
        "the token is in the database"
    );
}

#[tokio::test]
async fn the_token_travels_in_a_header_and_never_in_a_url() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    send(&app, &staff, "5125550143").await;
    let token = app.deliver_link_token().await;
    // The paths that carried the token before are gone: a token in a URL
    // reaches no handler (and so no lookup).
    app.get(&format!("/api/v1/payment-links/{token}"), None)
        .await
        .assert_problem_status(404);
    app.call("POST", &format!("/payment-links/{token}/redeem"))
        .key(&key())
        .json(
            &json!({ "payment_token": "x", "accept_terms": true, "terms_version": TERMS_VERSION }),
        )
        .send()
        .await
        .assert_problem_status(404);
    // Without the header, a clear 400 on both operations.
    app.get("/api/v1/payment-link", None)
        .await
        .assert_problem(400, "link_token_required");
    app.post_idempotent(
        "/payment-link/redeem",
        None,
        &key(),
        &json!({ "payment_token": "x", "accept_terms": true, "terms_version": TERMS_VERSION }),
    )
    .await
    .assert_problem(400, "link_token_required");
    let opened = open(&app, &token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let paid = redeem(&app, &token, &app.tokenize("4242424242424242").await).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
}

/// A link replaced by Resend, or revoked, before its text went out: the old
/// text is not sent (it would only mislead the payer), and staff see why.
#[tokio::test]
async fn a_link_closed_before_its_text_went_out_is_not_texted() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let first = send(&app, &staff, "5125550143").await;
    let first_id = first.body["id"].as_str().unwrap().to_owned();
    let resent = app
        .post_idempotent(
            &format!("/payment-links/{first_id}/resend"),
            Some(&staff),
            &key(),
            &json!({}),
        )
        .await;
    assert_eq!(resent.status, 201, "{}", resent.body);
    app.drain_outbox().await;
    let sent = app.sms.sent();
    assert_eq!(sent.len(), 1, "only the new link's text: {sent:?}");
    let token = sent[0].link_token().expect("a link in the text");
    assert_eq!(
        open(&app, &token).await.status,
        200,
        "the text carries the new link"
    );
    let links = app
        .get(
            &format!("/api/v1/clients/{DANA}/payment-links"),
            Some(&staff),
        )
        .await;
    let old = links
        .body
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["id"] == first_id.as_str())
        .expect("the replaced link");
    assert_eq!(old["sms_failure"]["reason"], "link_closed", "{old}");
}

async fn renew(app: &TestApp, token: &str) -> Reply {
    app.call("POST", "/payment-link/renewal")
        .link_token(token)
        .send()
        .await
}

#[tokio::test]
async fn an_expired_link_texts_a_fresh_one_to_its_phone_once() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let expired = app.deliver_link_token().await;
    app.clock.advance(Duration::seconds(601));
    open(&app, &expired)
        .await
        .assert_problem(410, "link_expired");

    let renewed = renew(&app, &expired).await;
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    assert_eq!(renewed.body["phone_masked"], "(•••) •••-0143");
    assert!(
        renewed.body["seconds_left"].as_i64().unwrap() >= 599,
        "a fresh 10 minutes"
    );
    let fresh = app.deliver_link_token().await;
    assert_ne!(fresh, expired);
    let texted = app.sms.sent();
    assert_eq!(texted.last().map(|m| m.to.as_str()), Some("+15125550143"));
    let opened = open(&app, &fresh).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened.body["seconds_left"].as_i64().unwrap() > 590);
    assert_eq!(opened.body["total_due_cents"], 15_588);

    // Renewed once: the expired link is replaced, and asking again sends nothing.
    renew(&app, &expired)
        .await
        .assert_problem(410, "link_revoked");
    open(&app, &expired)
        .await
        .assert_problem(410, "link_revoked");
    assert_eq!(app.sms.sent().len(), texted.len());
    let log = app.client_log(&staff, DANA).await;
    assert_eq!(
        log[0],
        "Secure payment link for $155.88 sent to (•••) •••-0143 by the payer, whose link had expired (Text me a new link)"
    );
    let card = app.tokenize("4242424242424242").await;
    assert_eq!(redeem(&app, &fresh, &card).await.status, 200);
}

#[tokio::test]
async fn only_an_expired_link_is_renewed() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let token = app.deliver_link_token().await;
    renew(&app, &token)
        .await
        .assert_problem(409, "link_not_expired");
    renew(&app, "not-a-link-token")
        .await
        .assert_problem(404, "link_not_found");
    app.call("POST", "/payment-link/renewal")
        .send()
        .await
        .assert_problem(400, "link_token_required");
    let card = app.tokenize("4242424242424242").await;
    assert_eq!(redeem(&app, &token, &card).await.status, 200);
    app.clock.advance(Duration::seconds(601));
    renew(&app, &token).await.assert_problem(410, "link_used");
}

#[tokio::test]
async fn new_links_for_one_phone_are_limited_per_day() {
    let app = spawn_app_with(&[("LINK_RENEWALS_PER_PHONE_PER_DAY", "1")]).await;
    app.start_of_window(24 * 60);
    let staff = app.agent_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let first = app.deliver_link_token().await;
    assert_eq!(send(&app, &staff, "5125550143").await.status, 201);
    let second = app.deliver_link_token().await;
    app.clock.advance(Duration::seconds(601));
    assert_eq!(renew(&app, &first).await.status, 201);
    renew(&app, &second)
        .await
        .assert_problem(429, "rate_limited");
    open(&app, &second)
        .await
        .assert_problem(410, "link_expired");
}
