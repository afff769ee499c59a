//! SMS receipts (issue 19, item 5): after each succeeded payment, a short
//! text with the receipt link to the payer, and to the client when someone
//! else paid; the reference reaches no log but the console sender's line.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

const DANA_PHONE: &str = "+15125550143";
const FRIEND_PHONE: &str = "+15125550199";

fn receipt_reference_in(body: &str) -> Option<String> {
    let after = body.split("/my-account/receipt#").nth(1)?;
    Some(
        after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

/// The receipt texts sent so far, as (phone, reference), once `count` are sent.
async fn receipt_texts(app: &TestApp, count: usize) -> Vec<(String, String)> {
    eventually("receipt texts sent", Duration::from_secs(10), || async {
        app.drain_outbox().await;
        let texts: Vec<(String, String)> = app
            .sms
            .sent()
            .iter()
            .filter_map(|sms| receipt_reference_in(&sms.body).map(|r| (sms.to.clone(), r)))
            .collect();
        (texts.len() >= count).then_some(texts)
    })
    .await
}

fn reference_of(answer: &Value) -> String {
    answer["receipt"]["receipt_reference"]
        .as_str()
        .unwrap_or_else(|| panic!("a receipt reference in {answer}"))
        .to_owned()
}

#[tokio::test]
async fn a_third_party_payment_texts_the_receipt_to_the_payer_and_to_the_client() {
    let app = spawn_app().await;
    let token = app.link_token_to(FRIEND_PHONE).await;
    let paid = app.pay_link(&token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let reference = reference_of(&paid.body);

    let texts = receipt_texts(&app, 2).await;
    let mut phones: Vec<&str> = texts.iter().map(|(to, _)| to.as_str()).collect();
    phones.sort_unstable();
    assert_eq!(
        phones,
        [DANA_PHONE, FRIEND_PHONE],
        "payer and client, once each"
    );
    for (to, sent_reference) in &texts {
        assert_eq!(
            sent_reference, &reference,
            "the text to {to} opens this receipt"
        );
    }
    let body = app
        .sms
        .sent()
        .into_iter()
        .find(|sms| sms.body.contains(&reference))
        .expect("a receipt text")
        .body;
    assert!(body.contains("$155.88"), "{body}");
    let length = payments_api::domain::sms_length(&body);
    assert!(length.segments <= 2, "{length:?}");

    // The reference opens the receipt, and reaches no log but the console
    // sender's lines (one per text), nor the database.
    let opened = app
        .call("GET", "/receipt")
        .header("receipt-reference", &reference)
        .send()
        .await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let logs = app.logs();
    let lines: Vec<&str> = logs.lines().filter(|l| l.contains(&reference)).collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines.iter().all(|l| l.contains("sms_console")),
        "{lines:#?}"
    );
    assert!(!database_text(&app).await.contains(&reference));

    // Nothing more is queued: one text per phone.
    app.drain_outbox().await;
    assert_eq!(receipt_texts(&app, 2).await.len(), 2);
}

#[tokio::test]
async fn a_clients_own_payment_texts_one_receipt_to_the_client() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let paid = app
        .make_payment(&client, &key(), json!({ "card_id": DANA_VISA }))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let texts = receipt_texts(&app, 1).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert_eq!(texts[0].0, DANA_PHONE);
    assert_eq!(texts[0].1, reference_of(&paid.body));
}

#[tokio::test]
async fn a_declined_payment_texts_no_receipt() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let declined_card = app.tokenize("4000000000000002").await;
    let declined = app
        .make_payment(&client, &key(), json!({ "payment_token": declined_card }))
        .await;
    assert_eq!(declined.status, 402, "{}", declined.body);
    app.drain_outbox().await;
    let texts: Vec<_> = app
        .sms
        .sent()
        .into_iter()
        .filter(|sms| receipt_reference_in(&sms.body).is_some())
        .collect();
    assert!(texts.is_empty(), "{texts:?}");
}
