//! Texts clients send us (issue 19, item 4): STOP, START and HELP on the
//! signed Twilio inbound webhook, and what an opt-out stops.

use crate::support::twilio::{text_us, TwilioFake};
use crate::support::*;
use serde_json::json;
use std::time::Duration;

const DANA_PHONE: &str = "+15125550143";

async fn send_link(app: &TestApp, staff: &str) -> Reply {
    app.send_link_for(staff, DANA, DANA_CAMRY, DANA_PHONE).await
}

#[tokio::test]
async fn stop_refuses_staff_sends_and_receipts_until_start() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[]).await;
    let staff = app.agent_token().await;

    let (status, twiml) = text_us(&app, "512-555-0143", " stop ", None).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains("<Response/>"),
        "Twilio confirms a STOP itself: {twiml}"
    );

    send_link(&app, &staff)
        .await
        .assert_problem(422, "phone_opted_out");

    // A payment still succeeds, but no receipt is texted to the opted-out phone.
    let client = app.client_token().await;
    let paid = app
        .make_payment(&client, &key(), json!({ "card_id": DANA_VISA }))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    app.drain_outbox().await;
    assert!(
        twilio
            .created()
            .iter()
            .all(|m| m.field("To") != Some(DANA_PHONE)),
        "nothing texted to an opted-out phone"
    );

    let (status, _) = text_us(&app, DANA_PHONE, "START", None).await;
    assert_eq!(status, 200);
    let sent = send_link(&app, &staff).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    eventually("the link texted", Duration::from_secs(10), || async {
        app.drain_outbox().await;
        twilio
            .created()
            .iter()
            .any(|m| m.field("To") == Some(DANA_PHONE))
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn help_is_answered_with_the_support_text_in_twiml() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[("COMPANY_NAME", "Smith & Sons")]).await;
    let (status, twiml) = text_us(&app, DANA_PHONE, "help", None).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains(
            "<Message>Smith &amp; Sons: payment links and receipts. Help: call (800) 555-0100."
        ),
        "{twiml}"
    );
    let text = twiml
        .split("<Message>")
        .nth(1)
        .and_then(|t| t.split("</Message>").next())
        .unwrap()
        .replace("&amp;", "&");
    assert!(payments_api::domain::sms_length(&text).segments <= 2);
}

#[tokio::test]
async fn an_unsigned_inbound_text_changes_nothing() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[]).await;
    let (status, body) = text_us(&app, DANA_PHONE, "STOP", Some("bm90IGEgc2lnbmF0dXJl")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid_signature"), "{body}");
    let staff = app.agent_token().await;
    assert_eq!(send_link(&app, &staff).await.status, 201);
}

#[tokio::test]
async fn without_twilio_there_is_no_inbound_webhook() {
    let app = spawn_app().await;
    let (status, _) = text_us(&app, DANA_PHONE, "STOP", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn help_from_a_spanish_clients_phone_is_answered_in_spanish() {
    let twilio = TwilioFake::start().await;
    let app = twilio.app(&[]).await;
    let staff = app.agent_token().await;
    assert_eq!(app.set_language(&staff, DANA, "es").await.status, 200);
    let (status, twiml) = text_us(&app, DANA_PHONE, "HELP", None).await;
    assert_eq!(status, 200, "{twiml}");
    assert!(
        twiml.contains(": enlaces de pago y recibos. Ayuda: llame al (800) 555-0100."),
        "{twiml}"
    );
    // A phone no client has: English.
    let (_, english) = text_us(&app, "+15125550111", "help", None).await;
    assert!(
        english.contains(": payment links and receipts."),
        "{english}"
    );
}
