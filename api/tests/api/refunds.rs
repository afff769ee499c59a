//! Refunds (issue 17, item 1) and the refund and dispute events Stripe sends
//! (issue 15, item 5), on the real app, on both stores.

use crate::support::*;
use hmac::{Hmac, Mac};
use payments_api::domain::ledger::EntryKind;
use payments_api::domain::ChargeKey;
use payments_api::gateway::{
    ChargeOutcome, ChargeRequest, GatewayError, PaymentGateway, RefundOutcome, RefundRequest,
    SandboxGateway, SavedCard, StripeGateway,
};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::Arc;
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_test_secret";

fn stripe_app_vars() -> [(&'static str, &'static str); 3] {
    [
        ("PAYMENT_GATEWAY", "stripe"),
        ("STRIPE_SECRET_KEY", "sk_test_unused"),
        ("STRIPE_WEBHOOK_SECRET", SECRET),
    ]
}

async fn supervisor_token(app: &TestApp) -> String {
    app.staff_token(&SUPERVISOR_LOGIN).await
}

/// Take a Payment for Dana's Camry with her Visa: the payment.
async fn paid(app: &TestApp) -> payments_api::domain::Payment {
    let staff = app.agent_token().await;
    let reply = app.take_payment(&staff, &key()).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    payment_of(app, &reply.body["payment_id"]).await
}

/// Make a Payment by Dana with a new sandbox card `number`: the payment.
async fn paid_with(app: &TestApp, number: &str) -> payments_api::domain::Payment {
    let client = app.client_token().await;
    let card = app.tokenize(number).await;
    let reply = app
        .make_payment(&client, &key(), json!({ "payment_token": card }))
        .await;
    assert!(reply.status == 201 || reply.status == 202, "{}", reply.body);
    payment_of(app, &reply.body["payment_id"]).await
}

async fn payment_of(app: &TestApp, id: &Value) -> payments_api::domain::Payment {
    let id: Uuid = id.as_str().and_then(|id| id.parse().ok()).expect("an id");
    app.store
        .payment(id)
        .await
        .expect("read")
        .expect("the payment")
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

async fn ledger(app: &TestApp, kind: EntryKind) -> Vec<i64> {
    app.store
        .client_ledger(DANA)
        .await
        .expect("ledger")
        .into_iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.amount.0)
        .collect()
}

async fn history_payment(app: &TestApp, payment: Uuid) -> Value {
    let staff = app.agent_token().await;
    let history = app.account_history(&staff, DANA).await;
    history["payments"]
        .as_array()
        .expect("payments")
        .iter()
        .find(|p| p["id"] == json!(payment))
        .cloned()
        .expect("the payment in the history")
}

async fn camry_paid_through(app: &TestApp) -> Option<chrono::NaiveDate> {
    let dana = app.store.client(DANA).await.expect("read").expect("Dana");
    dana.vehicle(DANA_CAMRY).expect("the Camry").paid_through
}

#[tokio::test]
async fn a_supervisor_refunds_part_of_a_payment_then_the_rest_and_no_more() {
    let app = spawn_app().await;
    let payment = paid(&app).await;
    let total = payment.amount_cents.0;
    let through = camry_paid_through(&app).await;
    let supervisor = supervisor_token(&app).await;

    let part = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": 5000, "reason": "Device returned early" }),
    )
    .await;
    assert_eq!(part.status, 201, "{}", part.body);
    assert_eq!(part.body["status"], "succeeded");
    assert_eq!(part.body["amount_cents"], 5000);
    let shown = history_payment(&app, payment.id).await;
    assert_eq!(shown["refunded_cents"], 5000);
    assert_eq!(shown["refundable_cents"], total - 5000);

    // No amount: all that is left.
    let rest = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "Client left the program" }),
    )
    .await;
    assert_eq!(rest.status, 201, "{}", rest.body);
    assert_eq!(rest.body["amount_cents"], total - 5000);
    let shown = history_payment(&app, payment.id).await;
    assert_eq!(shown["refunded_cents"], total);
    assert_eq!(shown["refundable_cents"], 0);

    refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": 1, "reason": "once more" }),
    )
    .await
    .assert_problem(422, "refund_exceeds_payment");
    assert_eq!(app.gateway.refunds_made(), 2);

    // The books: two refund entries (the client owes them again), a log
    // line each with who, how much and why, and the invoice shows them.
    assert_eq!(
        ledger(&app, EntryKind::Refund).await,
        vec![5000, total - 5000]
    );
    let log = app.client_log(&supervisor, DANA).await;
    assert!(
        log.iter().any(|l| l.contains("Refund of $50.00")
            && l.contains("Sam Supervisor")
            && l.contains("Device returned early")),
        "{log:#?}"
    );
    let client = app.client_token().await;
    let invoices = app.get("/api/v1/me/invoices", Some(&client)).await;
    let invoice = invoices
        .body
        .as_array()
        .expect("invoices")
        .iter()
        .find(|i| i["id"] == json!(payment.invoice_id.expect("an invoice")))
        .cloned()
        .expect("the payment's invoice");
    assert_eq!(invoice["refunded_cents"], total, "{invoice}");
    assert_eq!(invoice["refunds"].as_array().map(Vec::len), Some(2));
    // A refund moves money only (domain::refund::paid_through_after_refund).
    assert_eq!(camry_paid_through(&app).await, through);
    // The receipt lists them too (issue 17: "refunds if any").
    let receipt = app
        .get(
            &format!("/api/v1/payments/{}/receipt", payment.id),
            Some(&supervisor),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let refunds = receipt.body["refunds"].as_array().expect("refunds").clone();
    assert_eq!(refunds.len(), 2, "{}", receipt.body);
    assert_eq!(refunds[0]["amount_cents"], 5000);
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn refunds_beyond_the_payment_or_without_a_reason_are_refused() {
    let app = spawn_app().await;
    let payment = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let over = payment.amount_cents.0 + 1;
    refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": over, "reason": "x" }),
    )
    .await
    .assert_problem(422, "refund_exceeds_payment");
    refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": 0, "reason": "x" }),
    )
    .await
    .assert_problem(422, "validation_failed");
    refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "  " }),
    )
    .await
    .assert_problem(422, "validation_failed");
    refund(
        &app,
        &supervisor,
        Uuid::new_v4(),
        &key(),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(404, "payment_not_found");
    let no_key = app
        .post(
            &format!("/payments/{}/refunds", payment.id),
            Some(&supervisor),
            &json!({ "reason": "x" }),
        )
        .await;
    no_key.assert_problem(400, "idempotency_key_required");
    assert_eq!(app.gateway.refunds_made(), 0);
    assert!(ledger(&app, EntryKind::Refund).await.is_empty());
}

#[tokio::test]
async fn an_agent_cannot_refund() {
    let app = spawn_app().await;
    let payment = paid(&app).await;
    let agent = app.agent_token().await;
    refund(&app, &agent, payment.id, &key(), json!({ "reason": "x" }))
        .await
        .assert_problem(403, "forbidden");
    let client = app.client_token().await;
    let reply = refund(&app, &client, payment.id, &key(), json!({ "reason": "x" })).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(app.gateway.refunds_made(), 0);
}

#[tokio::test]
async fn a_payment_that_did_not_succeed_is_not_refundable() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize("4000000000000002").await;
    app.make_payment(&client, &key(), json!({ "payment_token": card }))
        .await
        .assert_problem(402, "card_declined");
    let declined = app.store.client_payments(DANA).await.expect("payments")[0].clone();
    let supervisor = supervisor_token(&app).await;
    refund(
        &app,
        &supervisor,
        declined.id,
        &key(),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(409, "payment_not_refundable");
}

#[tokio::test]
async fn ten_concurrent_full_refunds_refund_the_payment_once() {
    let app = spawn_app().await;
    let payment = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let keys: Vec<String> = (0..10).map(|_| key()).collect();
    let replies = futures_util::future::join_all(keys.iter().map(|k| {
        refund(
            &app,
            &supervisor,
            payment.id,
            k,
            json!({ "reason": "duplicate clicks" }),
        )
    }))
    .await;
    let made = replies.iter().filter(|r| r.status == 201).count();
    assert_eq!(made, 1, "{replies:#?}");
    for reply in replies.iter().filter(|r| r.status != 201) {
        reply.assert_problem(422, "refund_exceeds_payment");
    }
    assert_eq!(app.gateway.refunds_made(), 1, "one refund at the gateway");
    assert_eq!(
        ledger(&app, EntryKind::Refund).await,
        vec![payment.amount_cents.0]
    );
}

#[tokio::test]
async fn a_repeated_request_answers_the_first_refund() {
    let app = spawn_app().await;
    let payment = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let idempotency_key = key();
    let body = json!({ "amount_cents": 1000, "reason": "goodwill" });
    let first = refund(
        &app,
        &supervisor,
        payment.id,
        &idempotency_key,
        body.clone(),
    )
    .await;
    let again = refund(&app, &supervisor, payment.id, &idempotency_key, body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(again.body["id"], first.body["id"]);
    refund(
        &app,
        &supervisor,
        payment.id,
        &idempotency_key,
        json!({ "amount_cents": 2000, "reason": "goodwill" }),
    )
    .await
    .assert_problem(422, "idempotency_key_reused");
    assert_eq!(app.gateway.refunds_made(), 1);
}

#[tokio::test]
async fn a_refund_the_gateway_cannot_make_fails_and_gives_nothing_back() {
    let app = spawn_app().await;
    let payment = paid_with(&app, "4000000000005126").await;
    assert_eq!(payment.status.as_str(), "succeeded");
    let supervisor = supervisor_token(&app).await;
    refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "closed account" }),
    )
    .await
    .assert_problem(422, "refund_failed");
    assert!(ledger(&app, EntryKind::Refund).await.is_empty());
    let shown = history_payment(&app, payment.id).await;
    assert_eq!(shown["refunded_cents"], 0);
    assert_eq!(
        shown["refundable_cents"], payment.amount_cents.0,
        "a failed refund holds nothing"
    );
    let log = app.client_log(&supervisor, DANA).await;
    assert!(
        log.iter()
            .any(|l| l.contains("failed (the gateway could not complete it)")),
        "{log:#?}"
    );
}

#[tokio::test]
async fn a_refund_whose_answer_is_lost_is_unknown_until_the_status_sync_learns_it() {
    let app = spawn_app().await;
    // The sandbox's "times out" card loses the first answer of its charge
    // and of its refund.
    let payment = paid_with(&app, "4000000000000119").await;
    app.sync_payments().await;
    let payment = app.store.payment(payment.id).await.unwrap().unwrap();
    assert_eq!(payment.status.as_str(), "succeeded");
    let supervisor = supervisor_token(&app).await;
    let lost = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "slow gateway" }),
    )
    .await;
    assert_eq!(lost.status, 202, "{}", lost.body);
    assert_eq!(lost.body["status"], "unknown");
    assert!(
        ledger(&app, EntryKind::Refund).await.is_empty(),
        "nothing booked yet"
    );
    // It holds its money meanwhile: nothing more can be refunded.
    refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "again" }),
    )
    .await
    .assert_problem(422, "refund_exceeds_payment");

    app.sync_payments().await;
    let refunds = app
        .store
        .payment_refunds(payment.id)
        .await
        .expect("refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].status.as_str(), "succeeded");
    assert_eq!(
        ledger(&app, EntryKind::Refund).await,
        vec![payment.amount_cents.0]
    );
    assert_eq!(app.gateway.refunds_made(), 1);
}

/// The sandbox for charges, a Stripe adapter (on a local fake) for refunds.
struct StripeRefunds {
    sandbox: Arc<SandboxGateway>,
    stripe: StripeGateway,
}

#[async_trait::async_trait]
impl PaymentGateway for StripeRefunds {
    fn name(&self) -> &'static str {
        "stripe"
    }
    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError> {
        self.sandbox.charge(request).await
    }
    async fn lookup(&self, key: &ChargeKey) -> Result<Option<ChargeOutcome>, GatewayError> {
        self.sandbox.lookup(key).await
    }
    async fn save_card(&self, token: &str, customer: &str) -> Result<SavedCard, GatewayError> {
        self.sandbox.save_card(token, customer).await
    }
    async fn detach_card(&self, gateway_token: &str) -> Result<(), GatewayError> {
        self.sandbox.detach_card(gateway_token).await
    }
    async fn customer(&self, client_ref: &str) -> Result<String, GatewayError> {
        self.sandbox.customer(client_ref).await
    }
    async fn retrieve(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        self.sandbox.retrieve(reference).await
    }
    async fn cancel(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        self.sandbox.cancel(reference).await
    }
    async fn refund(&self, request: &RefundRequest<'_>) -> Result<RefundOutcome, GatewayError> {
        self.stripe.refund(request).await
    }
    async fn lookup_refund(
        &self,
        charge_reference: &str,
        key: &str,
    ) -> Result<Option<RefundOutcome>, GatewayError> {
        self.stripe.lookup_refund(charge_reference, key).await
    }
}

#[tokio::test]
async fn a_stripe_refund_that_times_out_is_synced_from_stripes_list_of_refunds() {
    let stripe = MockServer::start().await;
    // Stripe makes the refund, but its answer does not arrive in time.
    Mock::given(method("POST"))
        .and(path("/v1/refunds"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(3))
                .set_body_json(json!({"id": "re_late", "object": "refund", "status": "succeeded"})),
        )
        .mount(&stripe)
        .await;
    let sandbox = Arc::new(SandboxGateway::default());
    let gateway = Arc::new(StripeRefunds {
        sandbox: sandbox.clone(),
        stripe: StripeGateway::new(
            stripe.uri(),
            secrecy::SecretString::from("sk_test_local"),
            std::time::Duration::from_millis(500),
        ),
    });
    let app = spawn_app_with_gateway(&[], gateway).await;
    let payment = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let lost = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": 2500, "reason": "timeout" }),
    )
    .await;
    assert_eq!(lost.status, 202, "{}", lost.body);
    assert_eq!(lost.body["status"], "unknown");

    let ours = app.store.payment_refunds(payment.id).await.unwrap()[0].clone();
    Mock::given(method("GET"))
        .and(path("/v1/refunds"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "list",
            "data": [
                {"id": "re_other", "object": "refund", "status": "succeeded", "metadata": {}},
                {"id": "re_late", "object": "refund", "status": "succeeded",
                 "metadata": {"idempotency_key": ours.refund_key}}
            ]
        })))
        .mount(&stripe)
        .await;
    app.sync_payments().await;
    let synced = app.store.refund(ours.id).await.unwrap().unwrap();
    assert_eq!(synced.status.as_str(), "succeeded");
    assert_eq!(synced.gateway_reference.as_deref(), Some("re_late"));
    assert_eq!(ledger(&app, EntryKind::Refund).await, vec![2500]);
    let requests = stripe.received_requests().await.expect("requests");
    let creates: Vec<_> = requests
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect();
    assert_eq!(creates.len(), 1, "found in the list: not asked again");
    assert_eq!(
        creates[0]
            .headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok()),
        Some(ours.refund_key.as_str())
    );
}

fn signature(payload: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("hmac key");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

async fn send_event(app: &TestApp, kind: &str, object: Value) -> Reply {
    let payload = json!({ "id": "evt_1", "type": kind, "data": { "object": object } }).to_string();
    let now = chrono::Utc::now().timestamp();
    let reply = app
        .call("POST", "/webhooks/stripe")
        .header("stripe-signature", &signature(&payload, now))
        .raw("application/json", &payload)
        .send()
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
}

fn charge_refunded(reference: &str, amount: i64, refunded: i64) -> Value {
    json!({"id": "ch_1", "object": "charge", "payment_intent": reference,
           "amount": amount, "amount_refunded": refunded, "refunded": refunded == amount})
}

#[tokio::test]
async fn a_refund_made_in_stripes_dashboard_is_recorded_once_however_often_it_is_reported() {
    let app = spawn_app_with(&stripe_app_vars()).await;
    let payment = paid(&app).await;
    let reference = payment.gateway_reference.clone().expect("a reference");
    let amount = payment.amount_cents.0;
    let event = charge_refunded(&reference, amount, 3000);
    send_event(&app, "charge.refunded", event.clone()).await;
    send_event(&app, "charge.refunded", event).await;
    // An older event, arriving late: nothing new.
    send_event(
        &app,
        "charge.refunded",
        charge_refunded(&reference, amount, 0),
    )
    .await;

    assert_eq!(ledger(&app, EntryKind::Refund).await, vec![3000]);
    let refunds = app.store.payment_refunds(payment.id).await.unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].origin.as_str(), "gateway");
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    assert_eq!(
        log.iter()
            .filter(|l| l.contains("Refunded in Stripe"))
            .count(),
        1,
        "{log:#?}"
    );

    // Our own refund afterwards is counted in the next total: not recorded twice.
    let supervisor = supervisor_token(&app).await;
    let ours = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": 1000, "reason": "ours" }),
    )
    .await;
    assert_eq!(ours.status, 201, "{}", ours.body);
    send_event(
        &app,
        "charge.refunded",
        charge_refunded(&reference, amount, 4000),
    )
    .await;
    assert_eq!(ledger(&app, EntryKind::Refund).await, vec![3000, 1000]);
    assert_eq!(
        history_payment(&app, payment.id).await["refundable_cents"],
        amount - 4000
    );
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_refund_kept_as_credit_is_no_part_of_stripes_total_yet_still_caps_a_dashboard_refund() {
    let app = spawn_app_with(&stripe_app_vars()).await;
    let payment = paid(&app).await;
    let reference = payment.gateway_reference.clone().expect("a reference");
    let amount = payment.amount_cents.0;
    let supervisor = supervisor_token(&app).await;
    let kept = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": 3000, "reason": "kept", "destination": "credit" }),
    )
    .await;
    assert_eq!(kept.status, 201, "{}", kept.body);
    // Stripe never saw it: a Dashboard refund of $20.00 reports a total of $20.00.
    send_event(
        &app,
        "charge.refunded",
        charge_refunded(&reference, amount, 2000),
    )
    .await;
    assert_eq!(ledger(&app, EntryKind::Refund).await, vec![2000]);
    // And what is left to refund counts both: a Dashboard refund of the whole
    // payment records only what the credit left.
    send_event(
        &app,
        "charge.refunded",
        charge_refunded(&reference, amount, amount),
    )
    .await;
    assert_eq!(
        ledger(&app, EntryKind::Refund).await,
        vec![2000, amount - 5000]
    );
    assert_eq!(
        history_payment(&app, payment.id).await["refundable_cents"],
        0
    );
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn an_update_for_our_refund_records_its_outcome_once() {
    let app = spawn_app_with(&stripe_app_vars()).await;
    let payment = paid_with(&app, "4000000000000119").await;
    app.sync_payments().await;
    let payment = app.store.payment(payment.id).await.unwrap().unwrap();
    let supervisor = supervisor_token(&app).await;
    let lost = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "late answer" }),
    )
    .await;
    assert_eq!(lost.body["status"], "unknown", "{}", lost.body);
    let ours = app.store.payment_refunds(payment.id).await.unwrap()[0].clone();
    let updated = json!({"id": "re_1", "object": "refund", "status": "succeeded",
        "payment_intent": payment.gateway_reference, "amount": payment.amount_cents.0,
        "metadata": {"idempotency_key": ours.refund_key}});
    send_event(&app, "charge.refund.updated", updated.clone()).await;
    send_event(&app, "charge.refund.updated", updated).await;
    assert_eq!(
        app.store
            .refund(ours.id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_str(),
        "succeeded"
    );
    assert_eq!(
        ledger(&app, EntryKind::Refund).await,
        vec![payment.amount_cents.0]
    );
}

fn dispute(reference: &str, amount: i64, status: &str) -> Value {
    json!({"id": "dp_1", "object": "dispute", "charge": "ch_1", "payment_intent": reference,
           "amount": amount, "currency": "usd", "reason": "fraudulent", "status": status})
}

#[tokio::test]
async fn a_lost_dispute_takes_the_money_back_in_the_ledger_once() {
    let app = spawn_app_with(&stripe_app_vars()).await;
    let payment = paid(&app).await;
    let reference = payment.gateway_reference.clone().expect("a reference");
    let amount = payment.amount_cents.0;

    send_event(
        &app,
        "charge.dispute.created",
        dispute(&reference, amount, "needs_response"),
    )
    .await;
    assert_eq!(
        history_payment(&app, payment.id).await["dispute_status"],
        "open"
    );
    assert!(
        ledger(&app, EntryKind::Chargeback).await.is_empty(),
        "held, not lost yet"
    );
    assert!(app.logs().contains("a dispute on a payment changed"));
    // Stripe refuses to refund a disputed charge: so do we, before asking it.
    assert_eq!(
        history_payment(&app, payment.id).await["refundable_cents"],
        0
    );
    let supervisor = supervisor_token(&app).await;
    refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "x" }),
    )
    .await
    .assert_problem(409, "payment_not_refundable");

    let lost = dispute(&reference, amount, "lost");
    send_event(&app, "charge.dispute.closed", lost.clone()).await;
    send_event(&app, "charge.dispute.closed", lost).await;
    // A late event from before the decision changes nothing.
    send_event(
        &app,
        "charge.dispute.updated",
        dispute(&reference, amount, "under_review"),
    )
    .await;

    assert_eq!(
        history_payment(&app, payment.id).await["dispute_status"],
        "lost"
    );
    assert_eq!(ledger(&app, EntryKind::Chargeback).await, vec![amount]);
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    assert_eq!(
        log.iter().filter(|l| l.contains("Dispute opened")).count(),
        1,
        "{log:#?}"
    );
    assert_eq!(
        log.iter().filter(|l| l.contains("Dispute lost")).count(),
        1,
        "{log:#?}"
    );
    // The client owes it again.
    let client = app.store.client(DANA).await.unwrap().unwrap();
    assert!(
        client.past_due_cents.0 >= amount,
        "{:?}",
        client.past_due_cents
    );
    crate::ledger::assert_running_balances(&app).await;
}

#[tokio::test]
async fn a_refund_stripe_reports_failed_after_it_succeeded_is_taken_back_once() {
    let app = spawn_app_with(&stripe_app_vars()).await;
    let payment = paid(&app).await;
    let supervisor = supervisor_token(&app).await;
    let made = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "amount_cents": 2000, "reason": "goodwill" }),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let ours = app.store.payment_refunds(payment.id).await.unwrap()[0].clone();
    let failed = json!({"id": ours.gateway_reference, "object": "refund", "status": "failed",
        "failure_reason": "expired_or_canceled_card", "payment_intent": payment.gateway_reference,
        "amount": 2000, "metadata": {"idempotency_key": ours.refund_key}});
    send_event(&app, "charge.refund.updated", failed.clone()).await;
    send_event(&app, "charge.refund.updated", failed).await;

    let after = app.store.refund(ours.id).await.unwrap().unwrap();
    assert_eq!(after.status.as_str(), "failed");
    assert_eq!(
        after.failure_code.as_deref(),
        Some("expired_or_canceled_card")
    );
    assert_eq!(ledger(&app, EntryKind::Refund).await, vec![2000]);
    assert_eq!(ledger(&app, EntryKind::Adjustment).await, vec![-2000]);
    assert_eq!(
        history_payment(&app, payment.id).await["refundable_cents"],
        payment.amount_cents.0
    );
    let log = app.client_log(&supervisor, DANA).await;
    assert_eq!(
        log.iter().filter(|l| l.contains("was reversed")).count(),
        1,
        "{log:#?}"
    );
    crate::ledger::assert_running_balances(&app).await;
}

#[test]
fn the_go_live_checklist_and_the_configuration_name_every_stripe_event_we_read() {
    for doc in ["going-live.md", "configuration.md"] {
        let path = format!("{}/../docs/{doc}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("the doc");
        for event in payments_api::gateway::stripe::WEBHOOK_EVENTS {
            assert!(text.contains(&format!("`{event}`")), "{doc} lacks {event}");
        }
    }
}

/// Takes the database back to the schema before migration 0010, keeping its
/// payments and ledger, so that `migrate` applies 0010 to them. (On SQLite
/// the ledger keeps the wider kind check: 0010 rebuilds it all the same,
/// which is what is tested.) Undoes 0012 too, which comes after it (on
/// SQLite, 0010's rebuild leaves out the running balance 0012 adds), and
/// 0013, which adds to the refunds table 0010 makes.
pub async fn undo_the_refunds_migration(app: &TestApp) {
    let mut statements: Vec<&str> = vec![
        "drop table credit_grants",
        "drop table refunds",
        "drop index payments_gateway_reference_idx",
        "drop index ledger_entries_chargeback_idx",
        "alter table payments drop column dispute_status",
        "alter table payments drop column dispute_reference",
        "drop index payments_open_client_idx",
        // 0027 added a payments column after these: a rebuild of the table
        // by an earlier migration would lose it, so it is applied again.
        "alter table payments drop column terms_version",
        // So did 0036 (with a column of the decline notices owed, which it
        // adds again).
        "alter table payments drop column period",
        "alter table autopay_decline_notices_due drop column claimed_until",
    ];
    if on_postgres(app) {
        statements.extend([
            "alter table ledger_entries drop column balance_after_cents",
            "alter table ledger_entries drop constraint ledger_entries_chargeback_payment_check",
            "alter table ledger_entries drop constraint ledger_entries_amount_cents_check",
            "alter table ledger_entries drop constraint ledger_entries_kind_check",
            "alter table ledger_entries add constraint ledger_entries_kind_check \
            check (kind in ('charge', 'payment', 'refund', 'credit', 'adjustment'))",
            "alter table ledger_entries add constraint ledger_entries_check check (\
            (kind = 'charge' and amount_cents >= 0) or (kind = 'payment' and amount_cents < 0) \
            or (kind = 'refund' and amount_cents > 0) or (kind = 'credit' and amount_cents < 0) \
            or kind = 'adjustment')",
        ]);
    }
    statements.push("delete from _sqlx_migrations where version in (10, 12, 13, 27, 36)");
    for statement in statements {
        execute_sql(app, statement).await;
    }
}

#[tokio::test]
async fn migrating_to_refunds_keeps_the_ledger_and_its_ids() {
    let app = spawn_app().await;
    let payment = paid(&app).await;
    let ledger = "select id, kind, amount_cents, payment_id from ledger_entries order by id";
    let before: Vec<(i64, String, i64, Option<Uuid>)> = query_rows(&app, ledger).await;
    assert!(before
        .iter()
        .any(|(_, kind, _, p)| kind == "payment" && *p == Some(payment.id)));

    undo_the_refunds_migration(&app).await;
    let store = payments_api::store::connect(&database_url(&app))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate to 0010");

    let after: Vec<(i64, String, i64, Option<Uuid>)> = query_rows(&app, ledger).await;
    assert_eq!(after, before);
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
    // The migrated ledger takes a refund, its entry after the kept ones.
    let supervisor = supervisor_token(&app).await;
    let made = refund(
        &app,
        &supervisor,
        payment.id,
        &key(),
        json!({ "reason": "after migrating" }),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let now: Vec<(i64, String, i64, Option<Uuid>)> = query_rows(&app, ledger).await;
    let last = now.last().expect("an entry");
    assert_eq!(last.1, "refund");
    assert!(last.0 > before.last().map_or(0, |entry| entry.0));
}
