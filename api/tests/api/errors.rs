use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    for body in ["{", "not json", r#"{"client_id": "#, ""] {
        app.post_raw("/quote-summary", Some(&token), "application/json", body)
            .await
            .assert_problem(400, "malformed_json");
    }
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_a_422_problem() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    for body in [
        json!({}),
        json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY }),
        json!({ "client_id": "not-a-uuid", "vehicle_id": DANA_CAMRY, "monitor_days": 14 }),
        json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": "14" }),
        json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14.5 }),
        json!([1, 2, 3]),
    ] {
        let reply = app.post("/quote-summary", Some(&token), &body).await;
        reply.assert_problem(422, "validation_failed");
        assert!(!reply.body["detail"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_by_media_type() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    app.post_raw("/quote-summary", Some(&token), "text/plain", "hello")
        .await
        .assert_problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let big = format!(
        r#"{{"email":"a@b.co","password":"{}"}}"#,
        "x".repeat(100_000)
    );
    app.post_raw("/auth/staff/login", None, "application/json", &big)
        .await
        .assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn malformed_ids_and_unknown_paths_are_404_problems() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    app.get("/api/v1/clients/not-a-uuid", Some(&token))
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/nothing-here", Some(&token))
        .await
        .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/clients/{}", uuid::Uuid::new_v4()),
        Some(&token),
    )
    .await
    .assert_problem(404, "client_not_found");
}

#[tokio::test]
async fn a_search_without_its_query_is_a_400_problem() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    app.get("/api/v1/clients", Some(&token))
        .await
        .assert_problem(400, "invalid_query");
}

#[tokio::test]
async fn control_characters_in_any_text_are_a_422_on_both_stores() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    // A NUL in a search matched every client on SQLite and was a 500 on PostgreSQL.
    for query in ["da%00na", "dana%0A", "%7F"] {
        let reply = app
            .get(&format!("/api/v1/clients?q={query}"), Some(&staff))
            .await;
        reply.assert_problem(422, "validation_failed");
    }
    let body = serde_json::json!({
        "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "512555\u{0}0143"
    });
    let reply = app
        .post_idempotent("/payment-links", Some(&staff), &key(), &body)
        .await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(reply.body["errors"][0]["field"], "body");
    let login = app
        .post(
            "/auth/client/login",
            None,
            &serde_json::json!({ "email": "client@example.com\u{1b}", "password": "x" }),
        )
        .await;
    login.assert_problem(422, "validation_failed");
    // Any JSON media type the extractor reads is checked, and the refusal is an
    // answer like any other (security headers, request id).
    let vendor = app
        .send_raw(
            "POST",
            "/payment-links",
            Some(&staff),
            "application/vnd.payments+json",
            r#"{"client_id": "x", "vehicle_id": "y", "monitor_days": 14, "phone": "a\u0000b"}"#,
        )
        .await;
    vendor.assert_problem(422, "validation_failed");
    let raw = app
        .http
        .get(app.url("/api/v1/clients?q=%00"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 422);
    for header in ["x-request-id", "content-security-policy", "cache-control"] {
        assert!(raw.headers().contains_key(header), "{header} missing");
    }
    // Text without control characters, accents included, still works.
    let found = app
        .get("/api/v1/clients?q=Dana%20Whitfield", Some(&staff))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
}
