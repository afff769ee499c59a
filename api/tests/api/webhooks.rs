use crate::helpers::*;
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
    let response = app
        .http
        .post(app.url("/api/v1/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(payload.to_owned())
        .send()
        .await
        .expect("POST webhook");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or_default();
    Reply {
        status,
        body,
        content_type: String::new(),
    }
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

    let event = json!({
        "id": "evt_1", "type": "payment_intent.succeeded",
        "data": { "object": { "id": "pi_123", "object": "payment_intent", "status": "succeeded", "amount": 17649, "metadata": { "idempotency_key": gateway_key } } }
    })
    .to_string();
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
