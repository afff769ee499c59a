use crate::support::*;
use uuid::Uuid;

/// Hand-computed: Austin has $3.50/day, $95.00 for 30 days, 8.25 % tax;
/// El Paso $4.00/day, 6.25 %. Dana owes $102.84 from last month.
#[tokio::test]
async fn quotes_for_every_demo_client_match_hand_computed_figures() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    // (client, vehicle, days, fee, tax, past due, total)
    let cases: [(Uuid, Uuid, i64, i64, i64, i64, i64); 8] = [
        (DANA, DANA_CAMRY, 14, 4_900, 404, 10_284, 15_588),
        (DANA, DANA_F150, 30, 9_500, 784, 10_284, 20_568),
        (ELLIS, ELLIS_CIVIC, 14, 5_600, 350, 0, 5_950),
        (ELLIS, ELLIS_CIVIC, 30, 12_000, 750, 0, 12_750),
        (MORGAN, MORGAN_OUTBACK, 30, 9_500, 784, 0, 10_284),
        (MORGAN, MORGAN_OUTBACK, 14, 4_900, 404, 0, 5_304),
        (RILEY, RILEY_WRANGLER, 14, 4_900, 404, 0, 5_304),
        (RILEY, RILEY_WRANGLER, 30, 9_500, 784, 0, 10_284),
    ];
    for (client, vehicle, days, fee, tax, past_due, total) in cases {
        let reply = app.quote(&token, client, vehicle, days).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let q = &reply.body;
        assert_eq!(
            (
                q["subtotal_cents"].as_i64(),
                q["tax_cents"].as_i64(),
                q["past_due_cents"].as_i64(),
                q["total_due_cents"].as_i64()
            ),
            (Some(fee), Some(tax), Some(past_due), Some(total)),
            "{client} {days} days"
        );
        assert_eq!(q["currency"], "USD");
        assert_eq!(q["monitor_days"], days);
        let lines: Vec<(&str, i64)> = q["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["kind"].as_str().unwrap(),
                    l["amount_cents"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [("monitoring", fee), ("past_due", past_due), ("tax", tax)]
        );
    }
}

#[tokio::test]
async fn a_client_can_quote_their_own_vehicles() {
    let app = spawn_app().await;
    let token = app.client_token().await;
    let reply = app.quote(&token, DANA, DANA_F150, 14).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["vehicle_description"], "2015 Ford F-150");
    assert_eq!(reply.body["total_due_cents"], 15_588);
}

#[tokio::test]
async fn a_client_cannot_quote_someone_elses_vehicle() {
    let app = spawn_app().await;
    let token = app.client_token().await;
    app.quote(&token, RILEY, RILEY_WRANGLER, 14)
        .await
        .assert_problem(403, "forbidden");
    app.quote(&token, DANA, RILEY_WRANGLER, 14)
        .await
        .assert_problem(404, "vehicle_not_found");
}

#[tokio::test]
async fn unknown_clients_and_vehicles_are_not_found() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    app.quote(&token, Uuid::new_v4(), DANA_CAMRY, 14)
        .await
        .assert_problem(404, "client_not_found");
    app.quote(&token, DANA, Uuid::new_v4(), 14)
        .await
        .assert_problem(404, "vehicle_not_found");
    app.quote(&token, DANA, ELLIS_CIVIC, 14)
        .await
        .assert_problem(404, "vehicle_not_found");
}

#[tokio::test]
async fn only_fourteen_or_thirty_monitor_days_can_be_quoted() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    for days in [0, 1, 15, 29, 31, -14, 365] {
        let reply = app.quote(&token, DANA, DANA_CAMRY, days).await;
        reply.assert_problem(422, "invalid_monitor_days");
        assert_eq!(reply.body["errors"][0]["field"], "monitor_days");
    }
}

#[tokio::test]
async fn quoting_needs_a_token() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/quote-summary",
            None,
            &serde_json::json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14 }),
        )
        .await;
    reply.assert_problem(401, "unauthorized");
}
