use crate::support::*;
use chrono::{Duration, NaiveTime, Timelike};
use serde_json::{json, Value};
use uuid::Uuid;

async fn receipt_by_reference(app: &TestApp, reference: &str) -> Reply {
    app.call("GET", "/receipt")
        .header("receipt-reference", reference)
        .send()
        .await
}

fn reference_of(answer: &Value) -> String {
    answer["receipt"]["receipt_reference"]
        .as_str()
        .unwrap_or_else(|| panic!("a receipt reference in {answer}"))
        .to_owned()
}

#[tokio::test]
async fn a_paid_link_answers_its_receipt_and_the_reference_opens_it_without_signing_in() {
    let app = spawn_app().await;
    let token = app.link_token_to("512-555-0199").await;
    let paid = app.pay_link(&token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let summary = &paid.body["receipt"];
    let number = summary["receipt_number"].as_str().unwrap();
    assert!(number.starts_with("R-20") && number.len() >= 13, "{number}");
    assert_eq!(summary["card_last4"], "4242");
    assert_eq!(summary["total_cents"], 15_588);
    assert_eq!(summary["time_zone"], "America/Chicago");
    assert_eq!(summary["vehicles"][0]["vehicle_id"], DANA_CAMRY.to_string());
    let reference = reference_of(&paid.body);
    assert!(reference.len() >= 22, "at least 128 bits");

    let receipt = receipt_by_reference(&app, &reference).await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert_eq!(receipt.body["receipt_number"], number);
    // The answer's receipt is built as the success is recorded, not read
    // back: it must say exactly what the stored receipt says.
    for (field, value) in summary.as_object().unwrap() {
        let stored = match field.as_str() {
            "receipt_reference" => continue,
            "receipt_id" => &receipt.body["id"],
            _ => &receipt.body[field],
        };
        assert_eq!(stored, value, "{field}");
    }
    assert_eq!(receipt.body["payment_id"], paid.body["payment_id"]);
    assert_eq!(receipt.body["invoice_number"], paid.body["invoice_number"]);
    assert_eq!(
        receipt.body["payer"],
        json!({ "kind": "third_party", "phone_masked": "(•••) •••-0199" }),
        "a third party is shown by their masked phone only"
    );
    assert!(!receipt.body.to_string().contains("Whitfield"));
    assert_eq!(receipt.body["card_brand"], "visa");
    assert_eq!(receipt.body["lines"].as_array().unwrap().len(), 3);
    assert_eq!(receipt.body["total_cents"], 15_588);
    assert_eq!(receipt.body["refunds"], json!([]));
    assert_eq!(
        receipt.body["vehicles"][0]["description"],
        "2019 Toyota Camry"
    );
    assert_eq!(
        receipt.body["vehicles"][0]["paid_through"],
        summary["vehicles"][0]["paid_through"]
    );

    // Reopening the paid link shows its receipt (to the link's holder).
    let reopened = app.open_link(&token).await;
    reopened.assert_problem(410, "link_used");
    assert_eq!(reopened.body["receipt"]["receipt_number"], number);
    assert!(reopened.body["receipt"].get("receipt_reference").is_none());
}

#[tokio::test]
async fn a_replayed_answer_keeps_the_receipt_but_not_its_reference() {
    let app = spawn_app().await;
    let token = app.link_token_to("512-555-0143").await;
    let key = key();
    let card = app.tokenize("4242424242424242").await;
    let body =
        json!({ "payment_token": card, "accept_terms": true, "terms_version": TERMS_VERSION });
    let pay = || app.redeem_link(&token, &key, &body);
    let paid = pay().await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let reference = reference_of(&paid.body);
    let replayed = pay().await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert_eq!(
        replayed.body["receipt"]["receipt_number"],
        paid.body["receipt"]["receipt_number"]
    );
    assert!(replayed.body["receipt"].get("receipt_reference").is_none());
    let client = app.client_token().await;
    let mine = app.get("/api/v1/me/receipts", Some(&client)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(
        mine.body[0]["payer"],
        json!({ "kind": "client", "name": "Dana Whitfield" }),
        "a link texted to the client's own number was paid by the client"
    );
    assert!(
        !database_text(&app).await.contains(&reference),
        "the reference is stored only hashed"
    );
}

#[tokio::test]
async fn the_signed_in_client_finds_every_receipt_and_another_clients_is_not_found() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize("4242424242424242").await;
    let paid = app
        .make_payment(&client, &key(), json!({ "payment_token": card }))
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let receipt_id = paid.body["receipt"]["receipt_id"].as_str().unwrap();
    assert!(paid.body["receipt"]["receipt_reference"].is_string());

    let staff = app.agent_token().await;
    let taken = app.take_payment(&staff, &key()).await;
    assert_eq!(taken.status, 201, "{}", taken.body);
    assert!(taken.body["receipt"]["receipt_number"].is_string());

    let mine = app.get("/api/v1/me/receipts", Some(&client)).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let numbers: Vec<&str> = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["receipt_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2, "{numbers:?}");
    assert_eq!(numbers[0], taken.body["receipt"]["receipt_number"]);
    assert_ne!(numbers[0], numbers[1], "receipt numbers are unique");
    let one = app
        .get(&format!("/api/v1/me/receipts/{receipt_id}"), Some(&client))
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["payer"]["name"], "Dana Whitfield");

    // Morgan's receipt (staff take his payment) is not Dana's to see.
    let morgans = app
        .take_payment_for(
            &staff,
            &key(),
            MORGAN,
            MORGAN_OUTBACK,
            14,
            MORGAN_MASTERCARD,
        )
        .await;
    assert_eq!(morgans.status, 201, "{}", morgans.body);
    let morgans_receipt = morgans.body["receipt"]["receipt_id"].as_str().unwrap();
    app.get(
        &format!("/api/v1/me/receipts/{morgans_receipt}"),
        Some(&client),
    )
    .await
    .assert_problem(404, "receipt_not_found");
    let mine = app.get("/api/v1/me/receipts", Some(&client)).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 2);

    // Staff open it from Account History, by the payment.
    let payment_id = morgans.body["payment_id"].as_str().unwrap();
    let staff_view = app
        .get(
            &format!("/api/v1/payments/{payment_id}/receipt"),
            Some(&staff),
        )
        .await;
    assert_eq!(staff_view.status, 200, "{}", staff_view.body);
    assert_eq!(staff_view.body["id"], morgans_receipt);
    assert_eq!(staff_view.body["card_last4"], "4444");
    app.get(
        &format!("/api/v1/payments/{}/receipt", Uuid::new_v4()),
        Some(&staff),
    )
    .await
    .assert_problem(404, "receipt_not_found");
    app.get(
        &format!("/api/v1/payments/{payment_id}/receipt"),
        Some(&client),
    )
    .await
    .assert_problem_status(401);
}

#[tokio::test]
async fn an_unknown_or_missing_reference_opens_nothing() {
    let app = spawn_app().await;
    receipt_by_reference(&app, &"A".repeat(43))
        .await
        .assert_problem(404, "receipt_not_found");
    receipt_by_reference(&app, "short")
        .await
        .assert_problem(404, "receipt_not_found");
    app.call("GET", "/receipt")
        .send()
        .await
        .assert_problem(400, "receipt_reference_required");
}

#[tokio::test]
async fn the_receipt_reference_never_reaches_the_logs() {
    let app = spawn_app().await;
    let token = app.link_token_to("512-555-0199").await;
    let paid = app.pay_link(&token).await;
    assert_eq!(paid.status, 200, "{}", paid.body);
    let reference = reference_of(&paid.body);
    let opened = receipt_by_reference(&app, &reference).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    let logs = app.logs();
    assert!(
        logs.contains("/api/v1/receipt"),
        "the receipt request is logged (by its route)"
    );
    assert!(
        !logs.contains(&reference),
        "the receipt reference is in the log"
    );
}

/// Moves the app's clock to the next 03:30 UTC: 21:30 (CST) or 22:30 (CDT)
/// the evening before in Austin.
fn after_utc_midnight(app: &TestApp) {
    let now = app.clock.now();
    let today = now
        .date_naive()
        .and_time(NaiveTime::from_hms_opt(3, 30, 0).expect("a time"));
    let mut target = today.and_utc();
    if target <= now {
        target += Duration::days(1);
    }
    app.clock.advance(target - now);
}

#[tokio::test]
async fn a_receipt_is_dated_by_the_locations_clock_across_utc_midnight() {
    let app = spawn_app().await;
    after_utc_midnight(&app);
    let staff = app.agent_token().await;
    let taken = app.take_payment(&staff, &key()).await;
    assert_eq!(taken.status, 201, "{}", taken.body);
    let receipt = &taken.body["receipt"];
    let utc = app.clock.now();
    assert_eq!(utc.hour(), 3, "the test runs after UTC midnight");
    let local_date = (utc - Duration::days(1)).date_naive().to_string();
    assert_eq!(receipt["local_date"], local_date.as_str(), "{receipt}");
    let local_time = receipt["local_time"].as_str().unwrap();
    assert!(
        local_time.starts_with("21:3") || local_time.starts_with("22:3"),
        "{local_time}"
    );
    assert!(
        ["CST", "CDT"].contains(&receipt["time_zone_abbreviation"].as_str().unwrap()),
        "{receipt}"
    );
    let payment_id = taken.body["payment_id"].as_str().unwrap();
    let full = app
        .get(
            &format!("/api/v1/payments/{payment_id}/receipt"),
            Some(&staff),
        )
        .await;
    let issued_local = full.body["issued_at_local"].as_str().unwrap();
    assert!(
        issued_local.starts_with(&local_date)
            && (issued_local.ends_with("-06:00") || issued_local.ends_with("-05:00")),
        "{issued_local}"
    );
    let year = &local_date[..4];
    assert!(
        full.body["receipt_number"]
            .as_str()
            .unwrap()
            .starts_with(&format!("R-{year}-")),
        "the number carries the location's year: {}",
        full.body
    );
}

#[tokio::test]
async fn an_autopay_success_gets_a_receipt() {
    let app = spawn_app().await;
    let run = app.run_autopay().await;
    assert_eq!(run.succeeded, 1, "{run:?}");
    let staff = app.agent_token().await;
    let history = app.account_history(&staff, MORGAN).await;
    let payment_id = history["payments"][0]["id"].as_str().unwrap();
    let receipt = app
        .get(
            &format!("/api/v1/payments/{payment_id}/receipt"),
            Some(&staff),
        )
        .await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    assert_eq!(receipt.body["payer"]["kind"], "client");
    assert_eq!(receipt.body["card_last4"], "4444");
    assert_eq!(receipt.body["total_cents"], 10_284);
    assert_eq!(
        receipt.body["vehicles"][0]["vehicle_id"],
        MORGAN_OUTBACK.to_string()
    );
}

#[tokio::test]
async fn a_payment_whose_answer_was_lost_gets_its_receipt_from_the_status_sync() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let card = app.tokenize("4000000000000119").await;
    let lost = app
        .make_payment(&client, &key(), json!({ "payment_token": card }))
        .await;
    assert_eq!(lost.status, 202, "{}", lost.body);
    assert!(lost.body.get("receipt").is_none());
    assert_eq!(app.sync_payments().await, 1);
    let mine = app.get("/api/v1/me/receipts", Some(&client)).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.body);
    assert_eq!(mine.body[0]["payment_id"], lost.body["payment_id"]);
}
