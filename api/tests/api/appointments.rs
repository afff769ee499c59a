//! Issue 18, sentence 2: vehicles carry their next service appointment; staff
//! book and clear it; the demo data has some. Also the public usage terms.

use crate::support::*;
use serde_json::{json, Value};

/// The vehicle `id` of a client object (null when it has none such).
fn vehicle(client: &Value, id: uuid::Uuid) -> &Value {
    client["vehicles"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["id"] == id.to_string())
        .unwrap_or(&Value::Null)
}

fn appointment_path(client: uuid::Uuid, vehicle: uuid::Uuid) -> String {
    format!("/clients/{client}/vehicles/{vehicle}/next-appointment")
}

#[tokio::test]
async fn demo_vehicles_carry_their_next_appointment_with_the_locations_offset() {
    let app = spawn_app().await;
    let me = app.get("/api/v1/me", Some(&app.client_token().await)).await;
    assert_eq!(me.status, 200);
    let camry = &vehicle(&me.body, DANA_CAMRY)["next_appointment"];
    let starts_at = camry["starts_at"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(starts_at).unwrap();
    // America/Chicago: -06:00 in winter, -05:00 in summer; never Z.
    assert!(
        [-6 * 3600, -5 * 3600].contains(&parsed.offset().local_minus_utc()),
        "{starts_at}"
    );
    assert!(starts_at.contains("T10:00:00"), "{starts_at}");
    assert_eq!(camry["location_name"], "Austin Central Service Center");
    // The Camry lapsed 10 days ago: pay before the appointment.
    assert_eq!(camry["pay_before"], true);
    // The F-150 is paid through its appointment's day.
    let f150 = &vehicle(&me.body, DANA_F150)["next_appointment"];
    assert_eq!(f150["pay_before"], false);
    assert_eq!(
        f150["business_day"],
        vehicle(&me.body, DANA_F150)["paid_through"]
    );
    // Morgan has none: null, not absent.
    let staff = app.agent_token().await;
    let morgan = app
        .get(&format!("/api/v1/clients/{MORGAN}"), Some(&staff))
        .await;
    assert!(vehicle(&morgan.body, MORGAN_OUTBACK)["next_appointment"].is_null());
    assert!(vehicle(&morgan.body, MORGAN_OUTBACK)
        .as_object()
        .unwrap()
        .contains_key("next_appointment"));
}

#[tokio::test]
async fn staff_book_and_clear_an_appointment_and_the_client_log_says_so() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let path = appointment_path(MORGAN, MORGAN_OUTBACK);
    let starts_at = (app.clock.now() + chrono::Duration::days(20))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let booked = app
        .call("PUT", &path)
        .token(Some(&staff))
        .json(&json!({ "starts_at": starts_at, "location_name": "  Round Rock Service Center " }))
        .send()
        .await;
    assert_eq!(booked.status, 200, "{}", booked.body);
    let next = &booked.body["next_appointment"];
    assert_eq!(next["location_name"], "Round Rock Service Center");
    let shown = chrono::DateTime::parse_from_rfc3339(next["starts_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        shown,
        chrono::DateTime::parse_from_rfc3339(&starts_at).unwrap(),
        "the same instant, shown with Austin's offset"
    );
    assert_ne!(shown.offset().local_minus_utc(), 0);
    // Morgan's Outback is paid through tomorrow only.
    assert_eq!(next["pay_before"], true);
    let client = app
        .get(&format!("/api/v1/clients/{MORGAN}"), Some(&staff))
        .await;
    assert_eq!(
        vehicle(&client.body, MORGAN_OUTBACK)["next_appointment"],
        *next
    );
    let log = app
        .get(&format!("/api/v1/clients/{MORGAN}/log"), Some(&staff))
        .await;
    assert!(
        log.body
            .to_string()
            .contains("Next service appointment for 2021 Subaru Outback set to"),
        "{}",
        log.body
    );

    let cleared = app.call("DELETE", &path).token(Some(&staff)).send().await;
    assert_eq!(cleared.status, 200);
    assert!(cleared.body["next_appointment"].is_null());
    let log = app
        .get(&format!("/api/v1/clients/{MORGAN}/log"), Some(&staff))
        .await;
    assert!(log
        .body
        .to_string()
        .contains("Next service appointment for 2021 Subaru Outback cleared by Alex Agent"));
}

#[tokio::test]
async fn an_appointment_in_the_past_without_a_place_or_for_another_clients_vehicle_is_refused() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    let future = (app.clock.now() + chrono::Duration::days(3)).to_rfc3339();
    let past = (app.clock.now() - chrono::Duration::hours(1)).to_rfc3339();
    let put = |path: String, body: Value| {
        let call = app.call("PUT", &path).token(Some(&staff)).json(&body);
        async move { call.send().await }
    };
    let reply = put(
        appointment_path(DANA, DANA_CAMRY),
        json!({ "starts_at": past, "location_name": "Austin" }),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "starts_at");
    let reply = put(
        appointment_path(DANA, DANA_CAMRY),
        json!({ "starts_at": future, "location_name": "   " }),
    )
    .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "location_name");
    put(
        appointment_path(DANA, MORGAN_OUTBACK),
        json!({ "starts_at": future, "location_name": "Austin" }),
    )
    .await
    .assert_problem(404, "vehicle_not_found");
    // Clients cannot book through the staff endpoint.
    let client = app.client_token().await;
    let reply = app
        .call("PUT", &appointment_path(DANA, DANA_CAMRY))
        .token(Some(&client))
        .json(&json!({ "starts_at": future, "location_name": "Austin" }))
        .send()
        .await;
    assert!(matches!(reply.status, 401 | 403), "{}", reply.status);
}

#[tokio::test]
async fn the_usage_terms_are_public_and_versioned() {
    let app = spawn_app().await;
    let terms = app.get("/api/v1/terms", None).await;
    assert_eq!(terms.status, 200);
    assert_eq!(terms.body["version"], "2026-12-01");
    assert_eq!(terms.body["effective_date"], "2026-12-01");
    let html = terms.body["html"].as_str().unwrap();
    assert!(html.starts_with("<h2>") && !html.contains("<script"));
}
