//! The Client Log is read by people (issue 18, "One content style"): a
//! scenario of a decline, payments, a link sent and paid and refunds leaves
//! no raw code (`card_declined`, `api_key`), no lower-case brand and no raw
//! E.164 number in any line.
use crate::support::*;
use serde_json::json;

/// The first snake_case word in `line` (letters joined by `_`), if any.
fn snake_case_word(line: &str) -> Option<&str> {
    line.split(|c: char| !(c.is_ascii_alphabetic() || c == '_'))
        .find(|word| {
            let parts: Vec<&str> = word.split('_').collect();
            parts.len() > 1
                && parts[0]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
                && parts[1]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
        })
}

/// Whether `line` holds `+1` followed by ten digits (a raw E.164 number).
fn has_raw_phone(line: &str) -> bool {
    line.match_indices("+1").any(|(at, _)| {
        let rest = &line.as_bytes()[at + 2..];
        rest.len() >= 10 && rest[..10].iter().all(u8::is_ascii_digit)
    })
}

#[test]
fn the_checks_find_what_they_look_for() {
    assert_eq!(
        snake_case_word("was declined: card_declined"),
        Some("card_declined")
    );
    assert_eq!(
        snake_case_word("by Court system (api_key)"),
        Some("api_key")
    );
    assert_eq!(
        snake_case_word("Visa •••• 4242 by Alex Agent (staff)"),
        None
    );
    assert!(has_raw_phone("sent to +15125550143 by Alex"));
    assert!(!has_raw_phone("sent to •••-•••-0143 for $1.00"));
}

#[tokio::test]
async fn the_client_log_has_no_raw_codes_brands_or_phone_numbers() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let client = app.client_token().await;
    let supervisor = app.staff_token(&SUPERVISOR_LOGIN).await;

    // A decline on My Account.
    let declined = app.tokenize("4000000000000002").await;
    app.make_payment(&client, &key(), json!({ "payment_token": declined }))
        .await
        .assert_problem(402, "card_declined");
    // A payment by staff with the card on file, refunded in part.
    let taken = app.take_payment(&staff, &key()).await;
    assert_eq!(taken.status, 201, "{}", taken.body);
    let payment_id = taken.body["payment_id"].as_str().expect("an id").to_owned();
    let refunded = app
        .post_idempotent(
            &format!("/payments/{payment_id}/refunds"),
            Some(&supervisor),
            &key(),
            &json!({ "reason": "device returned early", "amount_cents": 1000 }),
        )
        .await;
    assert!(refunded.status < 300, "{}", refunded.body);
    // A payment by another system with an API key.
    let (_, api_key) = app.api_key("Billing system", &["payments:write"]).await;
    let by_key = app.take_payment(&api_key, &key()).await;
    assert_eq!(by_key.status, 201, "{}", by_key.body);
    // A refund the gateway cannot make.
    let unrefundable = app.tokenize("4000000000005126").await;
    let paid = app
        .make_payment(&client, &key(), json!({ "payment_token": unrefundable }))
        .await;
    assert!(paid.status < 300, "{}", paid.body);
    let paid_id = paid.body["payment_id"].as_str().expect("an id").to_owned();
    app.post_idempotent(
        &format!("/payments/{paid_id}/refunds"),
        Some(&supervisor),
        &key(),
        &json!({ "reason": "closed account" }),
    )
    .await
    .assert_problem(422, "refund_failed");
    // A link sent to another phone, and paid.
    let token = app.link_token_to("7375550199").await;
    let redeemed = app.pay_link(&token).await;
    assert!(redeemed.status < 300, "{}", redeemed.body);

    let log = app.client_log(&staff, DANA).await;
    assert!(log.len() >= 6, "{log:#?}");
    for line in &log {
        assert_eq!(snake_case_word(line), None, "a raw code in {line:?}");
        assert!(!has_raw_phone(line), "a raw phone number in {line:?}");
        assert!(
            !line.split(|c: char| !c.is_ascii_alphabetic()).any(|w| [
                "visa",
                "mastercard",
                "amex",
                "discover"
            ]
            .contains(&w)),
            "a lower-case brand in {line:?}"
        );
    }
}
