//! Issue 18: a link's texts, pay page summary and history are worded for who
//! pays it (the client, or someone paying for them), staff see where each
//! link went and who sent it, and a link whose quote no longer stands is an
//! end state (`409 link_outdated`, listed as `outdated`).

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

async fn send_for(app: &TestApp, staff: &str, client: Uuid, vehicle: Uuid, phone: &str) -> Reply {
    let sent = app.send_link_for(staff, client, vehicle, phone).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    sent
}

async fn links_of(app: &TestApp, staff: &str, client: Uuid) -> Vec<Value> {
    let reply = app
        .get(
            &format!("/api/v1/clients/{client}/payment-links"),
            Some(staff),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body.as_array().expect("a list").clone()
}

/// The text of the last SMS to `to`.
fn last_text_to(app: &TestApp, to: &str) -> String {
    app.sms
        .sent()
        .iter()
        .rev()
        .find(|m| m.to == to)
        .map(|m| m.body.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_link_texted_to_someone_else_is_worded_for_that_payer_everywhere() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let sent = send_for(&app, &staff, DANA, DANA_CAMRY, "737-555-0199").await;
    assert_eq!(sent.body["payer"], "third_party");
    assert_eq!(sent.body["phone"], "(737) 555-0199");
    assert_eq!(
        sent.body["sent_by"],
        json!({ "via": "staff", "name": "Alex Agent" })
    );

    let token = app.deliver_link_token().await;
    let text = last_text_to(&app, "+17375550199");
    assert!(
        text.contains(
            "Payment request for Dana W.'s monitoring account. Pay securely within 10 minutes: "
        ),
        "{text}"
    );
    assert!(!text.contains("your payment"), "{text}");

    let opened = app.open_link(&token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(opened.body["payer"], "third_party");
    assert_eq!(opened.body["client_short_name"], "Dana W.");
    assert!(!opened.body.to_string().contains("Whitfield"));

    assert_eq!(app.pay_link(&token).await.status, 200);
    let history = app.account_history(&staff, DANA).await;
    assert_eq!(
        history["payments"][0]["initiated_by"], "Paid via link sent to (737) 555-0199",
        "{history}"
    );
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log.iter()
            .any(|l| l.starts_with("Secure payment link payment of $155.88")
                && l.contains("by the payer at (737) 555-0199 succeeded")),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("(payment link) (client)")),
        "{log:?}"
    );
    let listed = links_of(&app, &staff, DANA).await;
    assert_eq!(listed[0]["phone"], "(737) 555-0199");
    assert_eq!(listed[0]["status"], "paid");
}

/// The Client Log's author entries of `client`: `(author_kind, author_name)`.
async fn log_authors(app: &TestApp, staff: &str, client: Uuid) -> Vec<(String, String)> {
    let log = app
        .get(&format!("/api/v1/clients/{client}/log"), Some(staff))
        .await;
    assert_eq!(log.status, 200, "{}", log.body);
    log.body
        .as_array()
        .expect("log")
        .iter()
        .map(|e| {
            let text = |field: &str| e[field].as_str().unwrap_or_default().to_owned();
            (text("author_kind"), text("author_name"))
        })
        .collect()
}

#[tokio::test]
async fn a_payment_by_someone_the_link_was_sent_to_is_logged_as_by_the_payer() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let token = app.link_token_to("737-555-0199").await;
    assert_eq!(app.pay_link(&token).await.status, 200);
    let own = app.link_token_to("512-555-0143").await;
    assert_eq!(app.pay_link(&own).await.status, 200);

    let authors = log_authors(&app, &staff, DANA).await;
    assert!(
        authors.contains(&("payer".into(), "Payer at (737) 555-0199".into())),
        "{authors:?}"
    );
    assert!(
        authors.contains(&("client".into(), "Dana (payment link)".into())),
        "{authors:?}"
    );
    assert!(
        !authors
            .iter()
            .any(|(kind, name)| kind == "system" && name.starts_with("Payer")),
        "{authors:?}"
    );
}

#[tokio::test]
async fn a_link_texted_to_the_clients_own_phone_says_your_payment() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let sent = send_for(&app, &staff, DANA, DANA_CAMRY, "(512) 555-0143").await;
    assert_eq!(sent.body["payer"], "client");
    let token = app.deliver_link_token().await;
    let text = last_text_to(&app, "+15125550143");
    assert!(text.contains("your payment of $155.88 is ready"), "{text}");
    let opened = app.open_link(&token).await;
    assert_eq!(opened.body["payer"], "client");
    assert_eq!(app.pay_link(&token).await.status, 200);
    let history = app.account_history(&staff, DANA).await;
    assert_eq!(
        history["payments"][0]["initiated_by"],
        "Dana (payment link)"
    );
}

#[tokio::test]
async fn a_spanish_speaking_clients_payer_gets_the_request_in_spanish() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    assert_eq!(app.set_language(&staff, DANA, "es").await.status, 200);
    send_for(&app, &staff, DANA, DANA_CAMRY, "737-555-0199").await;
    app.deliver_link_token().await;
    let text = last_text_to(&app, "+17375550199");
    assert!(
        text.contains(
            "solicitud de pago de la cuenta de Dana W.; pague de forma segura en 10 minutos: "
        ),
        "{text}"
    );
    let length = payments_api::domain::sms_length(&text);
    assert_eq!(length.encoding, payments_api::domain::SmsEncoding::Gsm7);
    assert!(length.segments <= 2, "{text}");
}

#[tokio::test]
async fn staff_see_that_the_client_sent_a_link_from_my_account() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let sent = app
        .post_idempotent(
            "/me/payment-links",
            Some(&client),
            &key(),
            &json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "(737) 555-0199" }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let staff = app.agent_token().await;
    let listed = links_of(&app, &staff, DANA).await;
    assert_eq!(listed[0]["sent_by"]["via"], "my_account");
    assert_eq!(listed[0]["sent_by"]["name"], sent.body["sent_by"]["name"]);
    assert!(
        listed[0]["sent_by"]["name"]
            .as_str()
            .unwrap_or_default()
            .contains("Dana"),
        "{}",
        listed[0]
    );
    assert_eq!(listed[0]["phone"], "(737) 555-0199");
}

#[tokio::test]
async fn a_link_whose_past_due_was_paid_another_way_is_out_of_date_and_renewed_with_a_fresh_quote()
{
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    send_for(&app, &staff, DANA, DANA_CAMRY, "737-555-0199").await;
    let token = app.deliver_link_token().await;
    assert_eq!(app.open_link(&token).await.status, 200, "payable at first");

    // Staff take a payment for the F-150, which collects the past due.
    let taken = app
        .take_payment_for(&staff, &key(), DANA, DANA_F150, 14, DANA_VISA)
        .await;
    assert_eq!(taken.status, 201, "{}", taken.body);

    app.open_link(&token)
        .await
        .assert_problem(409, "link_outdated");
    app.pay_link(&token)
        .await
        .assert_problem(409, "link_outdated");
    assert_eq!(app.gateway.captured_charges(), 1, "nothing charged");
    assert_eq!(links_of(&app, &staff, DANA).await[0]["status"], "outdated");

    // The payer asks for a new link: a fresh quote, without the past due.
    let renewed = app
        .call("POST", "/payment-link/renewal")
        .link_token(&token)
        .send()
        .await;
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    let fresh = app.deliver_link_token().await;
    let opened = app.open_link(&fresh).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened.body["total_due_cents"].as_i64().unwrap() < 15_588);
    let listed = links_of(&app, &staff, DANA).await;
    assert_eq!(listed[0]["status"], "opened");
    assert_eq!(listed[1]["status"], "revoked");
    assert_eq!(
        listed[0]["sent_by"]["via"], "staff",
        "a renewal keeps its sender"
    );
}

#[tokio::test]
async fn a_link_whose_vehicle_was_paid_another_way_is_out_of_date() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // Morgan owes nothing: only the paid-through date can change.
    send_for(&app, &staff, MORGAN, MORGAN_OUTBACK, "737-555-0199").await;
    let token = app.deliver_link_token().await;
    let taken = app
        .take_payment_for(
            &staff,
            &key(),
            MORGAN,
            MORGAN_OUTBACK,
            14,
            MORGAN_MASTERCARD,
        )
        .await;
    assert_eq!(taken.status, 201, "{}", taken.body);
    app.open_link(&token)
        .await
        .assert_problem(409, "link_outdated");
    app.pay_link(&token)
        .await
        .assert_problem(409, "link_outdated");
    assert_eq!(
        links_of(&app, &staff, MORGAN).await[0]["status"],
        "outdated"
    );
}
