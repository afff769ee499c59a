//! Cards on file (issue 18): a card is kept only once the bank agreed, once
//! however often it is saved, and clients and staff can remove one.

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// The signed-in client's cards on file.
async fn my_cards(app: &TestApp, client: &str) -> Vec<Value> {
    let reply = app.get("/api/v1/me/cards", Some(client)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body.as_array().cloned().unwrap_or_default()
}

async fn save(app: &TestApp, client: &str, number: &str) -> Reply {
    let token = app.tokenize(number).await;
    app.post(
        "/me/cards",
        Some(client),
        &json!({ "payment_token": token }),
    )
    .await
}

async fn staff_remove(app: &TestApp, staff: &str, client: Uuid, card: Uuid) -> Reply {
    app.call("DELETE", &format!("/clients/{client}/cards/{card}"))
        .token(Some(staff))
        .send()
        .await
}

fn saved_lines(log: &[String], words: &str) -> usize {
    log.iter()
        .filter(|m| m.starts_with(&format!("Card {words} saved on file")))
        .count()
}

#[tokio::test]
async fn a_card_the_bank_declines_is_not_saved_without_a_payment() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let before = my_cards(&app, &client).await.len();
    save(&app, &client, "4000000000000002")
        .await
        .assert_problem(402, "card_declined");
    assert_eq!(my_cards(&app, &client).await.len(), before);
}

#[tokio::test]
async fn a_card_declined_by_its_payment_is_not_kept_though_the_bank_would_keep_it() {
    // The insufficient-funds card passes a zero-amount check and fails the
    // charge: "Save this card" keeps it only if the payment succeeds.
    let app = spawn_app().await;
    let client = app.client_token().await;
    let before = my_cards(&app, &client).await.len();
    let declined = app
        .make_payment(
            &client,
            &key(),
            json!({ "payment_token": app.tokenize("4000000000009995").await, "save_card": true }),
        )
        .await;
    declined.assert_problem(402, "insufficient_funds");
    assert_eq!(my_cards(&app, &client).await.len(), before);
    // The Client Log says why in words, not as a raw code ("One content style").
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log.iter()
            .any(|m| m.ends_with("was declined: the bank said there were not enough funds")),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|m| m.contains("insufficient_funds")),
        "{log:?}"
    );
}

#[tokio::test]
async fn saving_a_card_already_on_file_keeps_one_card() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    // Dana's Visa 4242 (12/2030) is on file from the demo data, saved before
    // fingerprints: brand, last 4 and expiry recognise it.
    let again = save(&app, &client, "4242424242424242").await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["id"], DANA_VISA.to_string());
    // A new card: saved once, then recognised by its fingerprint, by Add a
    // card and by a payment that asks to keep it.
    let first = save(&app, &client, "5555555555554444").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let second = save(&app, &client, "5555555555554444").await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["id"], first.body["id"]);
    let paid = app
        .make_payment(
            &client,
            &key(),
            json!({ "payment_token": app.tokenize("5555555555554444").await, "save_card": true, "enroll_autopay": true }),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let cards = my_cards(&app, &client).await;
    assert_eq!(cards.len(), 2, "{cards:?}");
    let me = app.get("/api/v1/me", Some(&client)).await.body;
    assert_eq!(
        me["autopay_card_id"], first.body["id"],
        "Auto Pay uses the card on file"
    );
    let staff = app.agent_token().await;
    let log = app.client_log(&staff, DANA).await;
    assert_eq!(saved_lines(&log, "Mastercard •••• 4444"), 1, "{log:?}");
    assert_eq!(saved_lines(&log, "Visa •••• 4242"), 0, "{log:?}");
}

#[tokio::test]
async fn one_card_saved_many_times_at_once_is_kept_once() {
    let app = spawn_app_with(&[("CLIENT_CARD_SAVES_PER_DAY", "20")]).await;
    let client = app.client_token().await;
    let mut tokens = Vec::new();
    for _ in 0..6 {
        tokens.push(app.tokenize("5555555555554444").await);
    }
    let saves = tokens.iter().map(|token| {
        let (app, client) = (&app, &client);
        async move {
            let body = json!({ "payment_token": token });
            app.post("/me/cards", Some(client), &body).await
        }
    });
    let answers = futures_util::future::join_all(saves).await;
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 201], "{answers:?}");
    let ids: std::collections::HashSet<&Value> = answers.iter().map(|a| &a.body["id"]).collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(my_cards(&app, &client).await.len(), 2);
}

#[tokio::test]
async fn staff_remove_a_clients_card_but_not_the_one_auto_pay_charges() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // Morgan's Mastercard is the Auto Pay card: refused, and it stays.
    staff_remove(&app, &staff, MORGAN, MORGAN_MASTERCARD)
        .await
        .assert_problem(409, "card_used_by_autopay");
    // Another client's card is not found through this client.
    staff_remove(&app, &staff, MORGAN, DANA_VISA)
        .await
        .assert_problem(404, "card_not_found");
    let removed = staff_remove(&app, &staff, DANA, DANA_VISA).await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    staff_remove(&app, &staff, DANA, DANA_VISA)
        .await
        .assert_problem(404, "card_not_found");
    let dana = app
        .get(&format!("/api/v1/clients/{DANA}"), Some(&staff))
        .await;
    assert_eq!(dana.body["cards"], json!([]));
    let morgan = app
        .get(&format!("/api/v1/clients/{MORGAN}"), Some(&staff))
        .await;
    assert_eq!(morgan.body["cards"].as_array().map(Vec::len), Some(1));
    let log = app.client_log(&staff, DANA).await;
    assert!(
        log.iter()
            .any(|m| m.starts_with("Card Visa •••• 4242 removed by Alex Agent")),
        "{log:?}"
    );
    // Removed means gone for payments too.
    app.take_payment(&staff, &key())
        .await
        .assert_problem(404, "card_not_found");
}

#[tokio::test]
async fn a_client_removes_their_own_card_and_not_another_clients() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let other = app
        .call("DELETE", &format!("/me/cards/{MORGAN_MASTERCARD}"))
        .token(Some(&client))
        .send()
        .await;
    other.assert_problem(404, "card_not_found");
    let mine = app
        .call("DELETE", &format!("/me/cards/{DANA_VISA}"))
        .token(Some(&client))
        .send()
        .await;
    assert_eq!(mine.status, 204, "{}", mine.body);
    assert!(my_cards(&app, &client).await.is_empty());
}
