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
    let staff = app.agent_token().await;
    let sent = app
        .post_idempotent(
            "/payment-links",
            Some(&staff),
            &key(),
            &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let token = app.deliver_link_token().await;
    let card = app.tokenize("4000000000000119").await;
    let redeemed = app
        .call("POST", "/payment-link/redeem")
        .link_token(&token)
        .key(&key())
        .json(&json!({ "payment_token": card, "accept_terms": true }))
        .send()
        .await;
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
    use base64::Engine;
    use sha1::Sha1;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TOKEN: &str = "twilio-test-token";
    const CALLBACK: &str = "https://pay.example.com/api/v1/webhooks/twilio/status";

    /// Twilio's signature: HMAC-SHA1 of the URL and the sorted fields, base64.
    fn sign(fields: &[(&str, &str)]) -> String {
        let mut sorted = fields.to_vec();
        sorted.sort_unstable();
        let mut mac = Hmac::<Sha1>::new_from_slice(TOKEN.as_bytes()).expect("hmac key");
        mac.update(CALLBACK.as_bytes());
        for (name, value) in sorted {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    async fn report(app: &TestApp, fields: &[(&str, &str)], signature: &str) -> u16 {
        app.http
            .post(app.url("/api/v1/webhooks/twilio/status"))
            .header("x-twilio-signature", signature)
            .form(fields)
            .send()
            .await
            .expect("POST status callback")
            .status()
            .as_u16()
    }

    async fn sms_status(app: &TestApp, staff: &str) -> String {
        let links = app
            .get(
                &format!("/api/v1/clients/{DANA}/payment-links"),
                Some(staff),
            )
            .await;
        links.body[0]["sms_status"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[tokio::test]
    async fn a_link_goes_out_through_twilio_and_a_signed_delivery_report_is_recorded() {
        let twilio = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/2010-04-01/Accounts/AC123/Messages.json"))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(json!({"sid": "SM42", "status": "queued"})),
            )
            .mount(&twilio)
            .await;
        let api_base = twilio.uri();
        let app = spawn_app_with(&[
            ("SMS_SENDER", "twilio"),
            ("TWILIO_ACCOUNT_SID", "AC123"),
            ("TWILIO_AUTH_TOKEN", TOKEN),
            ("TWILIO_FROM", "+15125550000"),
            ("TWILIO_API_BASE", &api_base),
            ("PUBLIC_BASE_URL", "https://pay.example.com"),
        ])
        .await;
        let staff = app.agent_token().await;
        let sent = app
            .post_idempotent(
                "/payment-links",
                Some(&staff),
                &Uuid::new_v4().to_string(),
                &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" }),
            )
            .await;
        assert_eq!(sent.status, 201, "{:?}", sent.body);
        assert_eq!(app.drain_outbox().await, 1);

        let requests = twilio.received_requests().await.expect("requests");
        assert_eq!(requests.len(), 1);
        let form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&requests[0].body).expect("form");
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(field("To").as_deref(), Some("+15125550143"));
        assert_eq!(field("StatusCallback").as_deref(), Some(CALLBACK));
        assert!(
            field("Body").is_some_and(|b| b.contains("https://pay.example.com/my-account/pay#"))
        );
        assert_eq!(sms_status(&app, &staff).await, "sent");

        let delivered = [("MessageSid", "SM42"), ("MessageStatus", "delivered")];
        assert_eq!(report(&app, &delivered, "forged").await, 400);
        assert_eq!(sms_status(&app, &staff).await, "sent");
        assert_eq!(report(&app, &delivered, &sign(&delivered)).await, 204);
        assert_eq!(sms_status(&app, &staff).await, "delivered");

        // A late "sent" report does not move it back.
        let late = [("MessageSid", "SM42"), ("MessageStatus", "sent")];
        assert_eq!(report(&app, &late, &sign(&late)).await, 204);
        assert_eq!(sms_status(&app, &staff).await, "delivered");
    }

    #[tokio::test]
    async fn without_twilio_the_callback_route_does_not_exist() {
        let app = spawn_app().await;
        let fields = [("MessageSid", "SM1"), ("MessageStatus", "delivered")];
        assert_eq!(report(&app, &fields, &sign(&fields)).await, 404);
    }
}
