//! Outgoing webhooks (issue 20, item 2; docs/api.md, "Integrations"): signed
//! as Standard Webhooks says, retried with one event id, written with the
//! change they announce, delivered once by several instances.

use crate::support::*;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, Mac};
use payments_api::services::jobs::{self, Job};
use payments_api::services::links;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashSet;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const WITHIN: std::time::Duration = std::time::Duration::from_secs(20);

/// Registers `url` for `events` as the demo admin: `(id, secret)`.
async fn register(app: &TestApp, url: &str, events: &[&str]) -> (String, String) {
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let reply = app
        .post(
            "/webhook-endpoints",
            Some(&admin),
            &json!({ "url": url, "events": events }),
        )
        .await;
    assert_eq!(reply.status, 201, "register: {}", reply.body);
    (
        reply.body["id"].as_str().expect("id").to_owned(),
        reply.body["secret"].as_str().expect("secret").to_owned(),
    )
}

fn header(request: &Request, name: &str) -> String {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{name} header"))
        .to_owned()
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// The check a partner makes, with the Standard Webhooks reference library
/// for Rust (`standardwebhooks`, like the Python one `partner.py` uses):
/// signature, and a timestamp within its tolerance.
fn verified_by_the_library(secret: &str, request: &Request) -> bool {
    standardwebhooks::Webhook::new(secret)
        .expect("a whsec_ secret")
        .verify(&request.body, &request.headers)
        .is_ok()
}

/// The Standard Webhooks check, written from the specification (not with
/// the app's code): HMAC-SHA256 over `id.timestamp.body`, keyed with the
/// base64-decoded secret after `whsec_`, sent as `v1,<base64>`.
fn verify(secret: &str, request: &Request) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let id = header(request, "webhook-id");
    let timestamp = header(request, "webhook-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&request.body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().expect("Unix seconds");
    header(request, "webhook-signature")
        .split(' ')
        .any(|s| s == format!("v1,{expected}"))
        && age.abs() < 300
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("requests")
}

/// Drains the webhook outbox until `server` has received `n` requests.
async fn delivered(app: &TestApp, server: &MockServer, n: usize) -> Vec<Request> {
    eventually(&format!("{n} webhook requests"), WITHIN, || async {
        app.drain_webhooks().await;
        let requests = received(server).await;
        (requests.len() >= n).then_some(requests)
    })
    .await
}

async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_paid_link_is_announced_signed_as_the_specification_says() {
    let app = spawn_app().await;
    let server = ok_server().await;
    let (_, secret) = register(
        &app,
        &server.uri(),
        &["link.sent", "link.opened", "link.paid", "payment.succeeded"],
    )
    .await;
    let staff = app.agent_token().await;
    let sent = app
        .send_link_for(&staff, DANA, DANA_CAMRY, "512-555-0143")
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let link_id = sent.body["id"].as_str().unwrap().to_owned();
    let token = app.deliver_link_token().await;
    assert_eq!(app.open_link(&token).await.status, 200);
    let paid = app.pay_link(&token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);

    let requests = delivered(&app, &server, 4).await;
    let types: Vec<String> = requests
        .iter()
        .map(|r| body(r)["type"].as_str().unwrap().to_owned())
        .collect();
    for t in ["link.sent", "link.opened", "link.paid", "payment.succeeded"] {
        assert!(types.contains(&t.to_owned()), "{t} in {types:?}");
    }
    for request in &requests {
        assert!(verify(&secret, request), "signature of {:?}", body(request));
        assert!(
            verified_by_the_library(&secret, request),
            "standardwebhooks verifies {:?}",
            body(request)
        );
        assert!(header(request, "webhook-id").starts_with("msg_"));
        let text = String::from_utf8_lossy(&request.body);
        assert!(!text.contains(&token), "a link token in a webhook");
    }
    let ids: HashSet<String> = requests.iter().map(|r| header(r, "webhook-id")).collect();
    assert_eq!(ids.len(), 4, "one id per event");
    let link_paid = requests
        .iter()
        .find(|r| body(r)["type"] == "link.paid")
        .unwrap();
    assert_eq!(body(link_paid)["data"]["link_id"], link_id.as_str());
    assert_eq!(body(link_paid)["data"]["status"], "succeeded");
    assert_eq!(body(link_paid)["data"]["amount_cents"], 15_588);
    // A tampered body does not verify.
    let mut forged = link_paid.clone();
    forged.body = forged.body.replace_first_digit();
    assert!(!verify(&secret, &forged));
    assert!(!verified_by_the_library(&secret, &forged));
    // So does another endpoint's secret.
    assert!(!verified_by_the_library(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        link_paid
    ));
}

trait Tamper {
    fn replace_first_digit(self) -> Vec<u8>;
}

impl Tamper for Vec<u8> {
    fn replace_first_digit(mut self) -> Vec<u8> {
        if let Some(b) = self.iter_mut().find(|b| b.is_ascii_digit()) {
            *b = if *b == b'9' { b'1' } else { *b + 1 };
        }
        self
    }
}

#[tokio::test]
async fn an_endpoint_answering_500_twice_then_200_gets_the_event_three_times_with_one_id() {
    let app = spawn_app_with(&[("WEBHOOK_RETRY_BASE_MS", "1")]).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    let (endpoint, secret) = register(&app, &server.uri(), &["payment.succeeded"]).await;
    let staff = app.agent_token().await;
    let paid = app.take_payment(&staff, &key()).await;
    assert_eq!(paid.status, 201, "{}", paid.body);

    // Each retry waits out its backoff on the app's clock: move it on.
    let requests = eventually("3 webhook requests", WITHIN, || async {
        app.clock.advance(Duration::seconds(1));
        app.drain_webhooks().await;
        let requests = received(&server).await;
        (requests.len() >= 3).then_some(requests)
    })
    .await;
    assert_eq!(requests.len(), 3);
    let ids: HashSet<String> = requests.iter().map(|r| header(r, "webhook-id")).collect();
    assert_eq!(ids.len(), 1, "the same event id on every attempt");
    assert!(requests.iter().all(|r| verify(&secret, r)));
    assert!(requests.iter().all(|r| verified_by_the_library(&secret, r)));
    assert!(requests.iter().all(|r| r.body == requests[0].body));
    // Nothing more is sent: the delivery succeeded.
    assert_eq!(app.drain_webhooks().await, 0);

    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let path = format!("/api/v1/webhook-endpoints/{endpoint}/deliveries");
    let deliveries = app.get(&path, Some(&admin)).await;
    assert_eq!(deliveries.status, 200, "{}", deliveries.body);
    let delivery = &deliveries.body[0];
    assert_eq!(delivery["status"], "succeeded");
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["event_type"], "payment.succeeded");
    let statuses: Vec<i64> = delivery["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["response_status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [500, 500, 200]);

    // A replay sends it once more, with the same id.
    let replay = app
        .post(
            &format!(
                "/webhook-endpoints/{endpoint}/deliveries/{}/replay",
                delivery["id"]
            ),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(replay.status, 202, "{}", replay.body);
    let requests = delivered(&app, &server, 4).await;
    assert_eq!(
        header(&requests[3], "webhook-id"),
        *ids.iter().next().unwrap()
    );
    let missing = app
        .post(
            &format!("/webhook-endpoints/{endpoint}/deliveries/999999/replay"),
            Some(&admin),
            &json!({}),
        )
        .await;
    missing.assert_problem(404, "not_found");
}

/// The outbox failing makes the payment's outcome fail with it (one
/// transaction). The same property against a process killed while payments
/// are in flight: `tests/instances.rs`,
/// `payments_killed_in_flight_keep_each_payment_with_its_one_event_delivered_once`.
#[tokio::test]
async fn a_payment_and_its_event_are_recorded_together_or_not_at_all() {
    let app = spawn_app().await;
    let server = ok_server().await;
    register(&app, &server.uri(), &["payment.succeeded"]).await;
    // The outbox insert fails: the payment's outcome must not be recorded.
    execute_sql(
        &app,
        "alter table webhook_events rename to webhook_events_away",
    )
    .await;
    let staff = app.agent_token().await;
    let paid = app.take_payment(&staff, &key()).await;
    assert!(paid.status >= 500, "{} {}", paid.status, paid.body);
    let succeeded: Vec<(i64,)> = query_rows(
        &app,
        "select count(*) from payments where status = 'succeeded'",
    )
    .await;
    let invoices: Vec<(i64,)> = query_rows(&app, "select count(*) from invoices").await;
    execute_sql(
        &app,
        "alter table webhook_events_away rename to webhook_events",
    )
    .await;
    let events: Vec<(i64,)> = query_rows(&app, "select count(*) from webhook_events").await;
    assert_eq!(succeeded[0].0, 0, "a payment recorded without its event");
    assert_eq!(events[0].0, 0);
    let invoices_before = invoices[0].0;

    // Once the outbox works, the status sync records both.
    app.clock.advance(Duration::minutes(10));
    app.sync_payments().await;
    let succeeded: Vec<(i64,)> = query_rows(
        &app,
        "select count(*) from payments where status = 'succeeded'",
    )
    .await;
    let events: Vec<(i64,)> = query_rows(
        &app,
        "select count(*) from webhook_events where type = 'payment.succeeded'",
    )
    .await;
    let invoices: Vec<(i64,)> = query_rows(&app, "select count(*) from invoices").await;
    assert_eq!(succeeded[0].0, 1);
    assert_eq!(events[0].0, 1);
    assert_eq!(invoices[0].0, invoices_before + 1);
    let requests = delivered(&app, &server, 1).await;
    assert_eq!(body(&requests[0])["type"], "payment.succeeded");
}

#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    let app = spawn_app_with(&[("LINK_SENDS_PER_STAFF_PER_HOUR", "100")]).await;
    let other = app.another_instance().await;
    let server = ok_server().await;
    register(&app, &server.uri(), &["link.sent"]).await;
    let staff = app.agent_token().await;
    const EVENTS: usize = 8;
    for _ in 0..EVENTS {
        let sent = app
            .post_idempotent(
                "/payment-links",
                Some(&staff),
                &key(),
                &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "512-555-0143" }),
            )
            .await;
        assert_eq!(sent.status, 201, "{}", sent.body);
    }
    let requests = eventually("every event delivered", WITHIN, || async {
        let (a, b) = tokio::join!(app.drain_webhooks(), other.drain_webhooks());
        let requests = received(&server).await;
        (a + b == 0 && requests.len() >= EVENTS).then_some(requests)
    })
    .await;
    assert_eq!(requests.len(), EVENTS, "each event once");
    let ids: HashSet<String> = requests.iter().map(|r| header(r, "webhook-id")).collect();
    assert_eq!(ids.len(), EVENTS);
}

#[tokio::test]
async fn an_endpoint_failing_for_24_hours_is_disabled_and_staff_told() {
    let app = spawn_app_with(&[("WEBHOOK_RETRY_BASE_MS", "1")]).await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let (endpoint, _) = register(&app, &server.uri(), &["payment.succeeded"]).await;
    let staff = app.agent_token().await;
    assert_eq!(app.take_payment(&staff, &key()).await.status, 201);
    delivered(&app, &server, 1).await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let list = app.get("/api/v1/webhook-endpoints", Some(&admin)).await;
    assert_eq!(list.body[0]["status"], "enabled");
    assert!(list.body[0]["failing_since"].is_string());

    // A day of failures later, the next failed attempt disables it.
    app.clock
        .advance(Duration::hours(24) + Duration::minutes(1));
    let before = received(&server).await.len();
    delivered(&app, &server, before + 1).await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let list = app.get("/api/v1/webhook-endpoints", Some(&admin)).await;
    assert_eq!(list.body[0]["id"], endpoint.as_str());
    assert_eq!(list.body[0]["status"], "disabled", "{}", list.body);
    // What PLUS Web shows admins (the API keys and webhooks screen's notice).
    assert_eq!(list.body[0]["disabled_reason"], "failing", "{}", list.body);
    assert!(app.logs().contains("webhook endpoint disabled"));
    assert!(app
        .logs()
        .lines()
        .any(|l| l.contains("ERROR") && l.contains("webhook endpoint disabled")));
    // No more attempts while disabled.
    assert_eq!(app.drain_webhooks().await, 0);

    // Staff told: an admin's `staff_me` counts it (PLUS Web's banner); other
    // roles are not given the number.
    let me = app.get("/api/v1/staff/me", Some(&admin)).await;
    assert_eq!(me.body["failing_webhook_endpoints"], 1, "{}", me.body);
    let me = app.get("/api/v1/staff/me", Some(&staff)).await;
    assert!(
        me.body["failing_webhook_endpoints"].is_null(),
        "{}",
        me.body
    );
    // Once resumed, the banner goes.
    let resumed = app
        .call("PATCH", &format!("/webhook-endpoints/{endpoint}"))
        .token(Some(&admin))
        .json(&json!({ "status": "enabled" }))
        .send()
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    let me = app.get("/api/v1/staff/me", Some(&admin)).await;
    assert_eq!(me.body["failing_webhook_endpoints"], 0, "{}", me.body);
}

#[tokio::test]
async fn only_admins_manage_endpoints_and_urls_are_checked() {
    let app = spawn_app().await;
    let agent = app.agent_token().await;
    let reply = app
        .post(
            "/webhook-endpoints",
            Some(&agent),
            &json!({ "url": "https://partner.example/h", "events": ["link.paid"] }),
        )
        .await;
    reply.assert_problem(403, "forbidden");
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    for body in [
        json!({ "url": "ftp://partner.example/h", "events": ["link.paid"] }),
        json!({ "url": "https://partner.example/h", "events": [] }),
    ] {
        let reply = app.post("/webhook-endpoints", Some(&admin), &body).await;
        reply.assert_problem(422, "validation_failed");
    }
    let reply = app
        .post(
            "/webhook-endpoints",
            Some(&admin),
            &json!({ "url": "https://partner.example/h", "events": ["link.nope"] }),
        )
        .await;
    assert!(reply.status == 400 || reply.status == 422, "{}", reply.body);
    let (id, _) = register(&app, "https://partner.example/h", &["link.paid"]).await;
    let list = app.get("/api/v1/webhook-endpoints", Some(&admin)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert!(list.body[0].get("secret").is_none());
    let deleted = app
        .call("DELETE", &format!("/webhook-endpoints/{id}"))
        .token(Some(&admin))
        .send()
        .await;
    assert_eq!(deleted.status, 204);
    let list = app.get("/api/v1/webhook-endpoints", Some(&admin)).await;
    assert_eq!(list.body, json!([]));
}

/// Sends a link to Dana's Camry as `staff`: its id.
async fn send_link(app: &TestApp, staff: &str) -> String {
    let sent = app
        .post_idempotent(
            "/payment-links",
            Some(staff),
            &key(),
            &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "512-555-0143" }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    sent.body["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn a_link_that_expires_unpaid_is_announced_once_by_link_expired() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let server = ok_server().await;
    let (_, secret) = register(&app, &server.uri(), &["link.expired"]).await;
    let staff = app.agent_token().await;
    let unpaid = send_link(&app, &staff).await;
    let revoked = send_link(&app, &staff).await;
    let reply = app
        .post(
            &format!("/payment-links/{revoked}/revoke"),
            Some(&staff),
            &json!({}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let paid = send_link(&app, &staff).await;
    let token = app.deliver_token_of(&paid).await;
    let card = app.tokenize("4242424242424242").await;
    let redeemed = app
        .call("POST", "/payment-link/redeem")
        .link_token(&token)
        .key(&key())
        .json(
            &json!({ "payment_token": card, "accept_terms": true, "terms_version": TERMS_VERSION }),
        )
        .send()
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.body);
    let expired_events = || async {
        query_rows::<(i64,)>(
            &app,
            "select count(*) from webhook_events where type = 'link.expired'",
        )
        .await[0]
            .0
    };

    // Nothing expires before its 10 minutes are up. (The test clock runs on
    // real time plus an offset: a margin of a minute, not a second, so a slow
    // run's first link is not past its 10 minutes already.)
    app.clock.advance(Duration::minutes(9));
    assert_eq!(
        app.job(links::record_expiries(&app.state)).await.unwrap(),
        0
    );
    assert_eq!(expired_events().await, 0);

    // Two instances at once record the one unpaid, unrevoked link once.
    app.clock.advance(Duration::minutes(1));
    other.clock.advance(Duration::minutes(10));
    let (a, b) = tokio::join!(
        app.job(links::record_expiries(&app.state)),
        other.job(links::record_expiries(&other.state)),
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        1,
        "one expiry recorded, by one instance"
    );
    assert_eq!(expired_events().await, 1);
    // The scheduler's job runs it again: nothing new.
    assert!(jobs::run_if_due(&app.state, "a", &Job::LinkExpiry)
        .await
        .unwrap());
    assert_eq!(expired_events().await, 1);
    let marked: Vec<(String, i64)> = query_rows(
        &app,
        "select status, count(expired_at) from payment_links group by id, status order by status",
    )
    .await;
    assert_eq!(
        marked,
        [
            ("paid".into(), 0),
            ("revoked".into(), 0),
            ("sent".into(), 1)
        ]
    );

    let requests = delivered(&app, &server, 1).await;
    assert_eq!(requests.len(), 1);
    assert!(verified_by_the_library(&secret, &requests[0]));
    let event = body(&requests[0]);
    assert_eq!(event["type"], "link.expired");
    assert_eq!(event["data"]["link_id"], unpaid.as_str());
    assert_eq!(event["data"]["client_id"], DANA.to_string());
    assert_eq!(event["data"]["amount_cents"], 15_588);
    assert!(event["data"]["expires_at"].is_string());
    assert_ne!(event["data"]["link_id"], paid.as_str());
}

#[tokio::test]
async fn the_purge_deletes_webhook_history_older_than_the_retention() {
    let app = spawn_app_with(&[("WEBHOOK_RETENTION_DAYS", "30")]).await;
    let server = ok_server().await;
    register(&app, &server.uri(), &["payment.succeeded", "link.sent"]).await;
    let staff = app.agent_token().await;
    assert_eq!(app.take_payment(&staff, &key()).await.status, 201);
    delivered(&app, &server, 1).await;
    // A second event whose delivery is still to be sent (never drained).
    send_link(&app, &staff).await;
    let counts = || async {
        let row: Vec<(i64, i64, i64)> = query_rows(
            &app,
            "select (select count(*) from webhook_events), \
             (select count(*) from webhook_deliveries), (select count(*) from webhook_attempts)",
        )
        .await;
        row[0]
    };
    assert_eq!(counts().await, (2, 2, 1));

    app.clock.advance(Duration::days(30) - Duration::seconds(1));
    app.job(jobs::purge(&app.state)).await.expect("purge");
    assert_eq!(counts().await, (2, 2, 1), "kept for 30 days");

    app.clock.advance(Duration::seconds(2));
    app.job(jobs::purge(&app.state)).await.expect("purge");
    assert_eq!(
        counts().await,
        (1, 1, 0),
        "the delivered event went with its attempts; the one still to send stays"
    );
    let left: Vec<(String,)> = query_rows(&app, "select type from webhook_events").await;
    assert_eq!(left[0].0, "link.sent");
}

#[tokio::test]
async fn a_paused_endpoint_is_sent_nothing_until_an_admin_enables_it() {
    let app = spawn_app().await;
    let server = ok_server().await;
    let (endpoint, _) = register(&app, &server.uri(), &["payment.succeeded"]).await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let set = |status: &'static str| {
        app.call("PATCH", &format!("/webhook-endpoints/{endpoint}"))
            .token(Some(&admin))
            .json(&json!({ "status": status }))
            .send()
    };
    let paused = set("disabled").await;
    assert_eq!(paused.status, 200, "{}", paused.body);
    assert_eq!(paused.body["status"], "disabled");
    assert_eq!(paused.body["disabled_reason"], "admin");
    // A pause is an admin's choice, not a failure to tell them about.
    let me = app.get("/api/v1/staff/me", Some(&admin)).await;
    assert_eq!(me.body["failing_webhook_endpoints"], 0, "{}", me.body);
    let staff = app.agent_token().await;
    assert_eq!(app.take_payment(&staff, &key()).await.status, 201);
    assert_eq!(
        app.drain_webhooks().await,
        0,
        "nothing is sent while paused"
    );

    let resumed = set("enabled").await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(resumed.body["status"], "enabled");
    assert!(resumed.body["disabled_reason"].is_null());
    assert_eq!(
        app.drain_webhooks().await,
        0,
        "an event of the pause is not queued"
    );
    assert_eq!(app.take_payment(&staff, &key()).await.status, 201);
    let requests = delivered(&app, &server, 1).await;
    assert_eq!(requests.len(), 1);
    assert_eq!(body(&requests[0])["type"], "payment.succeeded");

    app.call(
        "PATCH",
        &format!("/webhook-endpoints/{}", uuid::Uuid::new_v4()),
    )
    .token(Some(&admin))
    .json(&json!({ "status": "enabled" }))
    .send()
    .await
    .assert_problem(404, "not_found");
}
