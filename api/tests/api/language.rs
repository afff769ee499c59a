//! A client's language (issue 19, item 6): staff set it with `PATCH
//! /clients/{client_id}` (`update_client`); the client objects, the pay
//! page's link and every text to the client follow it.

use crate::support::*;
use payments_api::domain::{sms_length, SmsEncoding};
use serde_json::json;
use std::time::Duration;

const DANA_PHONE: &str = "+15125550143";

#[tokio::test]
async fn staff_set_a_clients_language_and_the_client_log_says_so() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let before = app
        .get(&format!("/api/v1/clients/{DANA}"), Some(&staff))
        .await;
    assert_eq!(
        before.body["language"], "en",
        "every client starts in English"
    );

    let changed = app.set_language(&staff, DANA, "es").await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["language"], "es");
    assert_eq!(changed.body["id"], DANA.to_string());

    let read = app
        .get(&format!("/api/v1/clients/{DANA}"), Some(&staff))
        .await;
    assert_eq!(read.body["language"], "es");
    let found = app.get("/api/v1/clients?q=whitfield", Some(&staff)).await;
    assert_eq!(found.body[0]["language"], "es", "{}", found.body);
    let client = app.client_token().await;
    let me = app.get("/api/v1/me", Some(&client)).await;
    assert_eq!(me.body["language"], "es", "My Account starts in it");

    // Setting it again changes nothing and logs nothing more.
    assert_eq!(app.set_language(&staff, DANA, "es").await.status, 200);
    let log = app.client_log(&staff, DANA).await;
    let lines: Vec<&String> = log.iter().filter(|l| l.contains("Language")).collect();
    assert_eq!(lines.len(), 1, "{log:#?}");
    assert!(
        lines[0]
            .starts_with("Language of texts and My Account changed from English to Spanish by "),
        "{}",
        lines[0]
    );

    // And back.
    let back = app.set_language(&staff, DANA, "en").await;
    assert_eq!(back.body["language"], "en");
}

#[tokio::test]
async fn a_language_other_than_en_or_es_is_refused_with_invalid_language() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    for language in ["fr", "ES", "es-US", "", "spanish"] {
        let refused = app.set_language(&staff, DANA, language).await;
        refused.assert_problem(422, "invalid_language");
        assert_eq!(refused.body["errors"][0]["field"], "language");
    }
    let not_text = app
        .call("PATCH", &format!("/clients/{DANA}"))
        .token(Some(&staff))
        .json(&json!({ "language": 7 }))
        .send()
        .await;
    not_text.assert_problem(422, "validation_failed");
    let unknown = app.set_language(&staff, uuid::Uuid::new_v4(), "es").await;
    unknown.assert_problem(404, "client_not_found");
    let read = app
        .get(&format!("/api/v1/clients/{DANA}"), Some(&staff))
        .await;
    assert_eq!(read.body["language"], "en", "nothing changed");
}

#[tokio::test]
async fn only_staff_change_a_clients_language() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    assert_eq!(app.set_language(&client, DANA, "es").await.status, 401);
    let (_, api_key) = app
        .api_key("partner", &["clients:read", "payments:write"])
        .await;
    let by_key = app
        .call("PATCH", &format!("/clients/{DANA}"))
        .token(Some(&api_key))
        .json(&json!({ "language": "es" }))
        .send()
        .await;
    by_key.assert_problem(403, "insufficient_scope");
    for login in [&SUPERVISOR_LOGIN, &ADMIN_LOGIN] {
        let staff = app.staff_token(login).await;
        assert_eq!(app.set_language(&staff, DANA, "es").await.status, 200);
    }
}

#[tokio::test]
async fn a_spanish_client_gets_spanish_texts_within_two_segments_and_a_spanish_pay_page() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    assert_eq!(app.set_language(&staff, DANA, "es").await.status, 200);

    let token = app.link_token_to(DANA_PHONE).await;
    let link_text = app
        .sms
        .sent()
        .into_iter()
        .find(|sms| sms.body.contains(&token))
        .expect("the link text")
        .body;
    assert!(
        link_text.contains(": ya puede pagar $")
            && link_text.contains("minutos para pagar de forma segura: "),
        "{link_text}"
    );
    let length = sms_length(&link_text);
    assert_eq!(length.encoding, SmsEncoding::Gsm7, "{link_text}");
    assert!(length.segments <= 2, "{length:?}");

    let opened = app.open_link(&token).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert_eq!(
        opened.body["language"], "es",
        "the pay page starts in Spanish"
    );

    let paid = app.pay_link(&token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let receipt = eventually("the receipt text", Duration::from_secs(10), || async {
        app.drain_outbox().await;
        app.sms
            .sent()
            .into_iter()
            .find(|sms| sms.body.contains("/my-account/receipt#"))
    })
    .await;
    assert!(
        receipt.body.contains(": recibimos su pago de $")
            && receipt.body.contains("¡Gracias! Su recibo: "),
        "{}",
        receipt.body
    );
    assert!(sms_length(&receipt.body).segments <= 2);
}

#[tokio::test]
async fn an_english_clients_texts_stay_in_english() {
    let app = spawn_app().await;
    let token = app.link_token_to(DANA_PHONE).await;
    assert_eq!(app.open_link(&token).await.body["language"], "en");
    let text = app.sms.sent().pop().expect("the link text").body;
    assert!(text.contains(": your payment of $"), "{text}");
}
