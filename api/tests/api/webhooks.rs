use crate::support::*;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

const SECRET: &str = "whsec_test_secret";

fn stripe_app_vars() -> [(&'static str, &'static str); 3] {
    [
        ("PAYMENT_GATEWAY", "stripe"),
        ("STRIPE_SECRET_KEY", "sk_test_unused"),
        ("STRIPE_WEBHOOK_SECRET", SECRET),
    ]
}

fn signature(payload: &str, timestamp: i64, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

async fn post_event(app: &TestApp, payload: &str, signature: &str) -> Reply {
    app.call("POST", "/webhooks/stripe")
        .header("stripe-signature", signature)
        .raw("application/json", payload)
        .send()
        .await
}

/// Stripe's `payment_intent.succeeded` for our charge under `gateway_key`,
/// reporting `amount_received` in `currency` (Stripe's lower case).
fn succeeded_event(gateway_key: &str, amount_received: i64, currency: &str) -> String {
    json!({
        "id": "evt_1", "type": "payment_intent.succeeded",
        "data": { "object": {
            "id": "pi_123", "object": "payment_intent", "status": "succeeded",
            "amount": amount_received, "amount_received": amount_received, "currency": currency,
            "metadata": { "idempotency_key": gateway_key }
        } }
    })
    .to_string()
}

/// A payment left `unknown` (the sandbox's timeout card), paid through a link
/// sent to Dana: the payment and the link's token.
async fn unknown_link_payment(app: &TestApp) -> (payments_api::domain::Payment, String) {
    let token = app.link_token_to("5125550143").await;
    let redeemed = app.pay_link_with(&token, &key(), "4000000000000119").await;
    assert_eq!(redeemed.body["status"], "unknown", "{}", redeemed.body);
    let id: Uuid = redeemed.body["payment_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("a payment id");
    let payment = app
        .store
        .payment(id)
        .await
        .expect("read")
        .expect("the payment");
    (payment, token)
}

async fn camry_paid_through(app: &TestApp) -> Option<chrono::NaiveDate> {
    let dana = app.store.client(DANA).await.expect("read").expect("Dana");
    dana.vehicle(DANA_CAMRY).expect("the Camry").paid_through
}

/// Security issue, item 9: a signed event (or the status sync) settled a
/// payment whatever amount and currency the gateway reported.
#[tokio::test]
async fn a_success_for_another_amount_or_currency_is_held_for_review_and_applies_nothing() {
    for (what, amount_delta, currency, reason) in [
        ("amount", -17_000, "usd", "amount_mismatch"),
        ("currency", 0, "eur", "currency_mismatch"),
    ] {
        let app = spawn_app_with(&stripe_app_vars()).await;
        let paid_through = camry_paid_through(&app).await;
        let (payment, token) = unknown_link_payment(&app).await;
        let event = succeeded_event(
            &payment.gateway_key,
            payment.amount_cents.0 + amount_delta,
            currency,
        );
        let now = chrono::Utc::now().timestamp();
        let accepted = post_event(&app, &event, &signature(&event, now, SECRET)).await;
        assert_eq!(accepted.status, 200, "{what}: {}", accepted.body);

        let held = app.store.payment(payment.id).await.unwrap().unwrap();
        assert_eq!(held.status.as_str(), "held_for_review", "{what}");
        assert_eq!(held.failure_code.as_deref(), Some(reason));
        assert_eq!(held.invoice_id, None, "{what}: no invoice");
        assert_eq!(
            camry_paid_through(&app).await,
            paid_through,
            "{what}: paid-through unchanged"
        );
        let staff = app.agent_token().await;
        let log = app.client_log(&staff, DANA).await;
        assert!(
            log.iter()
                .any(|l| l.contains("held for review") && l.contains(reason)),
            "{what}: {log:#?}"
        );
        // The payer cannot pay again while a person looks.
        app.open_link(&token)
            .await
            .assert_problem(410, "link_revoked");
        // The status sync leaves it alone, and a repeated event changes nothing.
        app.sync_payments().await;
        post_event(&app, &event, &signature(&event, now, SECRET)).await;
        let again = app.store.payment(payment.id).await.unwrap().unwrap();
        assert_eq!(again.status.as_str(), "held_for_review");
        let metrics = app.metrics().await;
        assert!(
            metrics.contains(r#"payments{status="held_for_review"} 1"#),
            "{what}: {metrics}"
        );
    }
}

/// Issue 15, item 2: a success that arrived for a payment recorded failed
/// was dropped without a log line.
#[tokio::test]
async fn a_success_for_a_payment_recorded_failed_is_held_for_review() {
    let app = spawn_app_with(&stripe_app_vars()).await;
    let client = app.client_token().await;
    let declined = app
        .make_payment(
            &client,
            &key(),
            json!({ "payment_token": app.tokenize("4000000000000002").await }),
        )
        .await;
    assert_eq!(declined.status, 402, "{}", declined.body);
    let payment = app
        .store
        .client_payments(DANA)
        .await
        .expect("payments")
        .into_iter()
        .find(|p| p.status.as_str() == "failed")
        .expect("the failed payment");
    let event = succeeded_event(&payment.gateway_key, payment.amount_cents.0, "usd");
    let now = chrono::Utc::now().timestamp();
    let accepted = post_event(&app, &event, &signature(&event, now, SECRET)).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let held = app.store.payment(payment.id).await.unwrap().unwrap();
    assert_eq!(held.status.as_str(), "held_for_review");
    assert_eq!(
        held.failure_code.as_deref(),
        Some("succeeded_after_failure")
    );
    assert_eq!(held.invoice_id, None);
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log.iter()
            .any(|l| l.contains("held for review") && l.contains("succeeded_after_failure")),
        "{log:#?}"
    );
}

#[tokio::test]
async fn a_signed_stripe_event_settles_a_payment_left_unknown() {
    // The app charges through the sandbox here; the webhook route is Stripe's.
    let app = spawn_app_with(&stripe_app_vars()).await;
    let client = app.client_token().await;
    let card = app.tokenize("4000000000000119").await;
    let unknown = app
        .post_idempotent(
            "/me/payments",
            Some(&client),
            &Uuid::new_v4().to_string(),
            &json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14, "payment_token": card }),
        )
        .await;
    assert_eq!(unknown.body["status"], "unknown");
    let payment_id: Uuid = unknown.body["payment_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let gateway_key = app
        .store
        .payment(payment_id)
        .await
        .unwrap()
        .unwrap()
        .gateway_key;

    let amount = app
        .store
        .payment(payment_id)
        .await
        .unwrap()
        .unwrap()
        .amount_cents
        .0;
    let event = succeeded_event(&gateway_key, amount, "usd");
    let now = chrono::Utc::now().timestamp();
    assert_eq!(
        post_event(&app, &event, &signature(&event, now, "whsec_wrong"))
            .await
            .status,
        400
    );
    assert_eq!(
        post_event(&app, &event, &signature(&event, now - 3600, SECRET))
            .await
            .status,
        400,
        "too old"
    );
    assert_eq!(
        app.store
            .payment(payment_id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "unknown"
    );

    let accepted = post_event(&app, &event, &signature(&event, now, SECRET)).await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let payment = app.store.payment(payment_id).await.unwrap().unwrap();
    assert_eq!(payment.status.as_str(), "succeeded");
    assert!(payment.invoice_id.is_some());
    assert_eq!(
        post_event(&app, &event, &signature(&event, now, SECRET))
            .await
            .status,
        200,
        "a repeated event changes nothing"
    );
    let invoices = app.get("/api/v1/me/invoices", Some(&client)).await;
    assert_eq!(
        invoices.body.as_array().unwrap().len(),
        2,
        "one new invoice"
    );
    let receipts = app.get("/api/v1/me/receipts", Some(&client)).await;
    assert_eq!(
        receipts.body.as_array().unwrap().len(),
        1,
        "one receipt: {}",
        receipts.body
    );
    assert_eq!(receipts.body[0]["payment_id"], payment_id.to_string());
}

#[tokio::test]
async fn the_stripe_webhook_does_not_exist_without_stripe() {
    let app = spawn_app().await;
    post_event(&app, "{}", "t=1,v1=00")
        .await
        .assert_problem_status(404);
}

mod twilio {
    use super::*;
    use crate::support::twilio::{self as fake, TwilioFake};

    /// Sends a link for Dana's Camry to her number (512) 555-0143.
    async fn send_link(app: &TestApp, staff: &str) {
        let sent = app
            .post_idempotent(
                "/payment-links",
                Some(staff),
                &key(),
                &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" }),
            )
            .await;
        assert_eq!(sent.status, 201, "{}", sent.body);
    }

    /// Dana's newest link as staff see it.
    async fn newest_link(app: &TestApp, staff: &str) -> serde_json::Value {
        let links = app
            .get(
                &format!("/api/v1/clients/{DANA}/payment-links"),
                Some(staff),
            )
            .await;
        assert_eq!(links.status, 200, "{}", links.body);
        links.body[0].clone()
    }

    async fn metrics(app: &TestApp) -> String {
        app.http
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics text")
    }

    #[tokio::test]
    async fn a_link_goes_out_through_twilio_and_a_signed_delivery_report_is_recorded() {
        let twilio = TwilioFake::start().await;
        let app = twilio.app(&[]).await;
        let staff = app.agent_token().await;
        send_link(&app, &staff).await;
        assert_eq!(app.drain_outbox().await, 1);

        let created = twilio.created();
        assert_eq!(created.len(), 1, "accepted by the fake");
        let message = &created[0];
        assert_eq!(message.field("To"), Some("+15125550143"));
        assert_eq!(message.field("From"), Some(fake::FROM));
        assert_eq!(message.field("MessagingServiceSid"), None);
        assert_eq!(
            message.field("StatusCallback"),
            Some("https://pay.example.com/api/v1/webhooks/twilio/status")
        );
        assert!(message
            .field("Body")
            .is_some_and(|b| b.contains("https://pay.example.com/my-account/pay#")));
        assert_eq!(newest_link(&app, &staff).await["sms_status"], "sent");

        let forged = app
            .http
            .post(app.url("/api/v1/webhooks/twilio/status"))
            .header("x-twilio-signature", "forged")
            .form(&[
                ("MessageSid", message.sid.as_str()),
                ("MessageStatus", "delivered"),
            ])
            .send()
            .await
            .expect("POST")
            .status();
        assert_eq!(forged, 400);
        assert_eq!(newest_link(&app, &staff).await["sms_status"], "sent");
        assert_eq!(twilio.report(&app, message, "delivered", None).await, 204);
        let link = newest_link(&app, &staff).await;
        assert_eq!(
            (link["sms_status"].as_str(), link["status"].as_str()),
            (Some("delivered"), Some("delivered"))
        );
        assert!(link["sms_failure"].is_null(), "{link}");

        // A late "sent" report does not move it back.
        assert_eq!(twilio.report(&app, message, "sent", None).await, 204);
        assert_eq!(newest_link(&app, &staff).await["sms_status"], "delivered");
    }

    /// Issue 19, item 7: a report that arrived before the create request's
    /// answer (with the SID) was stored was answered 204 and dropped, so the
    /// link showed `sent` for good.
    #[tokio::test]
    async fn a_delivery_report_that_arrives_before_the_sid_is_stored_is_applied_later() {
        let twilio = TwilioFake::start().await;
        let app = twilio.app(&[]).await;
        let staff = app.agent_token().await;
        send_link(&app, &staff).await;
        // The fake numbers its messages: the first one will be SM…01. Twilio
        // reports it delivered before our request's answer is stored.
        let early = fake::Created {
            sid: format!("SM{:032x}", 1),
            form: vec![
                (
                    "StatusCallback".into(),
                    format!("{}/api/v1/webhooks/twilio/status", fake::PUBLIC_BASE_URL),
                ),
                ("To".into(), "+15125550143".into()),
            ],
        };
        assert_eq!(twilio.report(&app, &early, "delivered", None).await, 204);
        // A later "sent" report of the same message does not undo it.
        assert_eq!(twilio.report(&app, &early, "sent", None).await, 204);
        assert_eq!(app.drain_outbox().await, 1);
        assert_eq!(twilio.created()[0].sid, early.sid, "the SID the fake gave");
        let link = newest_link(&app, &staff).await;
        assert_eq!(link["sms_status"], "delivered", "{link}");
        assert_eq!(
            query_rows::<(i64,)>(&app, "select count(*) from sms_early_reports").await[0].0,
            0,
            "applied and forgotten"
        );
    }

    /// A report for a SID never stored (another system's message) is kept
    /// for a day, then purged.
    #[tokio::test]
    async fn a_report_for_an_unknown_message_is_purged_after_a_day() {
        let twilio = TwilioFake::start().await;
        let app = twilio.app(&[]).await;
        let stray = fake::Created {
            sid: format!("SM{:032x}", 999),
            form: vec![(
                "StatusCallback".into(),
                format!("{}/api/v1/webhooks/twilio/status", fake::PUBLIC_BASE_URL),
            )],
        };
        assert_eq!(twilio.report(&app, &stray, "delivered", None).await, 204);
        let kept = || async {
            query_rows::<(i64,)>(&app, "select count(*) from sms_early_reports").await[0].0
        };
        assert_eq!(kept().await, 1);
        app.clock.advance(chrono::Duration::hours(25));
        payments_api::services::jobs::purge(&app.state)
            .await
            .expect("purge");
        assert_eq!(kept().await, 0);
    }

    /// Issue 15, item 8: Twilio's error code was dropped, and a refused text
    /// left the link showing as sent.
    #[tokio::test]
    async fn a_text_twilio_refuses_shows_staff_why_and_what_to_do_next() {
        let twilio = TwilioFake::start().await;
        twilio.refuse("+15125550143", 21610);
        let app = twilio.app(&[]).await;
        let staff = app.agent_token().await;
        send_link(&app, &staff).await;
        assert_eq!(app.drain_outbox().await, 1);
        assert_eq!(
            twilio.requests().await,
            1,
            "a permanent refusal is not retried"
        );

        let link = newest_link(&app, &staff).await;
        assert_eq!(link["status"], "sms_failed", "never shown as sent: {link}");
        assert_eq!(link["sms_status"], "failed");
        let failure = &link["sms_failure"];
        assert_eq!(failure["reason"], "opted_out", "{link}");
        assert_eq!(failure["provider_error_code"], 21610);
        assert!(
            failure["description"]
                .as_str()
                .is_some_and(|d| d.contains("opted out")),
            "{failure}"
        );
        assert!(
            failure["next_step"]
                .as_str()
                .is_some_and(|n| n.contains("START")),
            "{failure}"
        );
        assert!(metrics(&app)
            .await
            .contains(r#"sms_failed{reason="opted_out"} 1"#));

        // Nothing more is tried, however often the outbox runs.
        app.clock.advance(chrono::Duration::minutes(5));
        assert_eq!(app.drain_outbox().await, 0);
    }

    /// Issue 15, item 8: `ErrorCode` on an `undelivered` status callback.
    #[tokio::test]
    async fn an_undelivered_report_keeps_twilios_error_code_and_a_readable_reason() {
        let twilio = TwilioFake::start().await;
        let app = twilio.app(&[]).await;
        let staff = app.agent_token().await;
        send_link(&app, &staff).await;
        app.drain_outbox().await;
        let message = &twilio.created()[0];
        assert_eq!(twilio.report(&app, message, "sent", None).await, 204);
        assert_eq!(newest_link(&app, &staff).await["status"], "sent");
        assert_eq!(
            twilio
                .report(&app, message, "undelivered", Some(30006))
                .await,
            204
        );

        let link = newest_link(&app, &staff).await;
        assert_eq!(link["status"], "sms_failed", "{link}");
        assert_eq!(link["sms_failure"]["reason"], "not_mobile");
        assert_eq!(link["sms_failure"]["provider_error_code"], 30006);
        assert!(link["sms_failure"]["next_step"]
            .as_str()
            .is_some_and(|n| n.contains("mobile number")));
        // A late "delivered" for a failed message changes nothing.
        assert_eq!(twilio.report(&app, message, "delivered", None).await, 204);
        assert_eq!(
            newest_link(&app, &staff).await["sms_failure"]["provider_error_code"],
            30006
        );
        let metrics = metrics(&app).await;
        assert!(
            metrics.contains(r#"sms_failed{reason="not_mobile"} 1"#),
            "{metrics}"
        );
    }

    /// The `ValidityPeriod` `message` was sent with, in seconds.
    fn validity(message: &fake::Created) -> i64 {
        message
            .field("ValidityPeriod")
            .and_then(|v| v.parse().ok())
            .expect("a ValidityPeriod")
    }

    /// Issue 15, item 9: a link text tells Twilio to drop it rather than
    /// deliver it after the link has expired. (The clock runs while the test
    /// does: the time left is a little under the round figure.)
    #[tokio::test]
    async fn a_link_text_may_wait_at_twilio_only_as_long_as_the_link_is_valid() {
        let twilio = TwilioFake::start().await;
        let app = twilio.app(&[]).await;
        let staff = app.agent_token().await;
        send_link(&app, &staff).await;
        app.drain_outbox().await;
        assert!((595..=600).contains(&validity(&twilio.created()[0])));

        // Sent four minutes late (retries, Twilio down): six minutes are left.
        send_link(&app, &staff).await;
        app.clock.advance(chrono::Duration::minutes(4));
        app.drain_outbox().await;
        assert!((355..=360).contains(&validity(&twilio.created()[1])));
    }

    /// Issue 15, item 9: the outbox sent a link text whatever its age.
    #[tokio::test]
    async fn a_link_text_is_never_sent_once_its_link_has_expired() {
        let twilio = TwilioFake::start().await;
        let app = twilio.app(&[]).await;
        let staff = app.agent_token().await;
        send_link(&app, &staff).await;
        app.clock.advance(chrono::Duration::seconds(600));
        assert_eq!(app.drain_outbox().await, 1);
        assert_eq!(twilio.requests().await, 0, "nothing reached Twilio");
        assert!(app.sms.sent().is_empty());

        let link = newest_link(&app, &staff).await;
        assert_eq!(link["status"], "expired");
        assert_eq!(link["sms_status"], "failed");
        assert_eq!(link["sms_failure"]["reason"], "link_expired", "{link}");
        assert!(link["sms_failure"]["provider_error_code"].is_null());
        assert!(metrics(&app)
            .await
            .contains(r#"sms_failed{reason="link_expired"} 1"#));
    }

    /// Issue 15, item 10: `TWILIO_MESSAGING_SERVICE_SID` instead of `TWILIO_FROM`.
    #[tokio::test]
    async fn a_messaging_service_sends_the_link_instead_of_a_from_number() {
        let twilio = TwilioFake::start().await;
        let app = twilio
            .app(&[
                ("TWILIO_FROM", ""),
                ("TWILIO_MESSAGING_SERVICE_SID", fake::MESSAGING_SERVICE_SID),
            ])
            .await;
        let staff = app.agent_token().await;
        send_link(&app, &staff).await;
        app.drain_outbox().await;
        let created = twilio.created();
        assert_eq!(created.len(), 1, "accepted by the fake");
        assert_eq!(
            created[0].field("MessagingServiceSid"),
            Some(fake::MESSAGING_SERVICE_SID)
        );
        assert_eq!(created[0].field("From"), None, "exactly one of the two");
        assert!((595..=600).contains(&validity(&created[0])));
        assert_eq!(newest_link(&app, &staff).await["sms_status"], "sent");
        assert_eq!(
            twilio.report(&app, &created[0], "delivered", None).await,
            204
        );
        assert_eq!(newest_link(&app, &staff).await["status"], "delivered");
    }

    /// The fake refuses what Twilio documents it refuses, so the tests above
    /// would fail if the app sent any of it.
    #[tokio::test]
    async fn the_twilio_fake_refuses_what_twilio_refuses() {
        let twilio = TwilioFake::start().await;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            twilio.uri(),
            fake::ACCOUNT_SID
        );
        let http = reqwest::Client::new();
        let post = |form: Vec<(&'static str, String)>, token: &'static str| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let response = http
                    .post(&url)
                    .basic_auth(fake::ACCOUNT_SID, Some(token))
                    .form(&form)
                    .send()
                    .await
                    .expect("POST");
                let status = response.status().as_u16();
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                (status, body["code"].as_i64())
            }
        };
        let base = |extra: &[(&'static str, &str)]| {
            let mut form: Vec<(&'static str, String)> = vec![
                ("To", "+15125550143".into()),
                ("From", fake::FROM.into()),
                ("Body", "hello".into()),
            ];
            for (k, v) in extra {
                form.retain(|(name, _)| name != k);
                if !v.is_empty() {
                    form.push((*k, (*v).to_owned()));
                }
            }
            form
        };
        assert_eq!(post(base(&[]), fake::AUTH_TOKEN).await.0, 201);
        assert_eq!(post(base(&[]), "wrong").await, (401, Some(20003)));
        assert_eq!(
            post(base(&[("From", "")]), fake::AUTH_TOKEN).await,
            (400, Some(21603))
        );
        assert_eq!(
            post(
                base(&[("From", ""), ("MessagingServiceSid", "MG123")]),
                fake::AUTH_TOKEN
            )
            .await,
            (400, Some(21705))
        );
        // Twilio takes both: the From number must then be in the service's pool.
        assert_eq!(
            post(
                base(&[("MessagingServiceSid", fake::MESSAGING_SERVICE_SID)]),
                fake::AUTH_TOKEN
            )
            .await
            .0,
            201
        );
        for validity in ["0", "36001", "60.5", "ten"] {
            assert_eq!(
                post(base(&[("ValidityPeriod", validity)]), fake::AUTH_TOKEN).await,
                (400, Some(21624)),
                "{validity}"
            );
        }
        for validity in ["1", "36000"] {
            assert_eq!(
                post(base(&[("ValidityPeriod", validity)]), fake::AUTH_TOKEN)
                    .await
                    .0,
                201
            );
        }
        let longest = "a".repeat(1600);
        assert_eq!(
            post(base(&[("Body", &longest)]), fake::AUTH_TOKEN).await.0,
            201
        );
        let too_long = "a".repeat(1601);
        assert_eq!(
            post(base(&[("Body", &too_long)]), fake::AUTH_TOKEN).await,
            (400, Some(21617))
        );
        assert_eq!(
            post(base(&[("Body", "")]), fake::AUTH_TOKEN).await,
            (400, Some(21602))
        );
        assert_eq!(
            post(base(&[("To", "")]), fake::AUTH_TOKEN).await,
            (400, Some(21604))
        );
    }

    #[tokio::test]
    async fn without_twilio_the_callback_route_does_not_exist() {
        let app = spawn_app().await;
        let fields = [("MessageSid", "SM1"), ("MessageStatus", "delivered")];
        let status = app
            .http
            .post(app.url("/api/v1/webhooks/twilio/status"))
            .header("x-twilio-signature", "any")
            .form(&fields)
            .send()
            .await
            .expect("POST")
            .status();
        assert_eq!(status, 404);
    }
}
