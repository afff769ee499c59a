//! API keys (issue 20, item 1): admins manage them; a partner system sends
//! one as `Authorization: Bearer pk_test_…` and may call exactly the staff
//! operations its scopes name, within its rate limit, until it is revoked.

use crate::roles::{operations, staff_operations_in_the_spec};
use crate::support::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The scope each staff operation asks of a key; `None`: staff only.
const SCOPES: &[(&str, Option<&str>)] = &[
    ("search_clients", Some("clients:read")),
    ("get_client", Some("clients:read")),
    ("get_client_reminders", Some("clients:read")),
    ("client_log", Some("clients:read")),
    ("client_links", Some("clients:read")),
    ("quote_summary", Some("quotes:read")),
    ("next_payment", Some("quotes:read")),
    ("account_history", Some("payments:read")),
    ("get_payment_receipt", Some("payments:read")),
    ("send_link", Some("links:write")),
    ("resend_link", Some("links:write")),
    ("revoke_link", Some("links:write")),
    ("take_payment", Some("payments:write")),
    ("remove_client_card", Some("payments:write")),
    ("update_client", None),
    ("set_next_appointment", None),
    ("clear_next_appointment", None),
    ("add_invoice", None),
    ("apply_credit", None),
    ("refund_payment", None),
    ("refund_credit", None),
    ("grant_credit", None),
    ("create_api_key", None),
    ("list_api_keys", None),
    ("revoke_api_key", None),
    ("create_webhook_endpoint", None),
    ("list_webhook_endpoints", None),
    ("delete_webhook_endpoint", None),
    ("list_webhook_deliveries", None),
    ("replay_webhook_delivery", None),
    ("update_webhook_endpoint", None),
];

const ALL_SCOPES: [&str; 5] = [
    "clients:read",
    "quotes:read",
    "links:write",
    "payments:read",
    "payments:write",
];

/// Each operation's `api_key` scopes in the spec; absent when a key may not call it.
fn key_scopes_in_the_spec() -> BTreeMap<String, Vec<String>> {
    let spec: Value =
        serde_json::from_str(payments_api::openapi::spec_json().as_str()).expect("the spec");
    let mut scopes = BTreeMap::new();
    let objects = |v: &Value| v.as_object().cloned().unwrap_or_default();
    for operations in objects(&spec["paths"]).values() {
        for operation in objects(operations).values() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            for requirement in operation["security"].as_array().into_iter().flatten() {
                if let Some(list) = requirement["api_key"].as_array() {
                    let list = list
                        .iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect();
                    scopes.insert(id.to_owned(), list);
                }
            }
        }
    }
    scopes
}

#[tokio::test]
async fn the_spec_declares_the_scope_each_operation_asks_of_a_key() {
    let declared: BTreeMap<String, Vec<String>> = SCOPES
        .iter()
        .filter_map(|(id, scope)| scope.map(|s| ((*id).to_owned(), vec![s.to_owned()])))
        .collect();
    assert_eq!(key_scopes_in_the_spec(), declared);
    let mut listed: Vec<String> = SCOPES.iter().map(|(id, _)| (*id).to_owned()).collect();
    listed.sort();
    assert_eq!(
        listed,
        staff_operations_in_the_spec(),
        "a staff operation without its row in SCOPES"
    );
}

/// Scopes × operations: a key with one scope may call exactly the
/// operations of that scope; everything else answers `403
/// insufficient_scope`, staff-only operations even for a key with every scope.
#[tokio::test]
async fn a_key_may_call_exactly_the_operations_of_its_scopes() {
    let app = spawn_app().await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let sent = app
        .post_idempotent(
            "/payment-links",
            Some(&admin),
            &key(),
            &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let paid = app.take_payment(&admin, &key()).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let operations = operations(
        sent.body["id"].as_str().unwrap(),
        paid.body["payment_id"].as_str().unwrap(),
    );
    let scope_of: BTreeMap<&str, Option<&str>> = SCOPES.iter().copied().collect();

    let mut keys = Vec::new();
    for scope in ALL_SCOPES {
        keys.push((vec![scope], app.api_key(scope, &[scope]).await.1));
    }
    keys.push((ALL_SCOPES.to_vec(), app.api_key("all", &ALL_SCOPES).await.1));

    for operation in &operations {
        let needed = scope_of[operation.id];
        for (scopes, api_key) in &keys {
            let mut call = app
                .call(operation.method, &operation.path)
                .token(Some(api_key))
                .key(&key());
            if let Some(body) = &operation.body {
                call = call.json(body);
            }
            let reply = call.send().await;
            if needed.is_some_and(|n| scopes.contains(&n)) {
                assert!(
                    reply.status != 403 && reply.status != 401 && reply.status < 500,
                    "{} with {scopes:?}: {} {}",
                    operation.id,
                    reply.status,
                    reply.body
                );
            } else {
                reply.assert_problem(403, "insufficient_scope");
            }
        }
    }
}

#[tokio::test]
async fn a_revoked_key_is_refused_at_once() {
    let app = spawn_app().await;
    let (id, api_key) = app.api_key("Court system", &["clients:read"]).await;
    let search = "/api/v1/clients?q=dana";
    assert_eq!(app.get(search, Some(&api_key)).await.status, 200);

    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let revoked = app
        .call("DELETE", &format!("/api-keys/{id}"))
        .token(Some(&admin))
        .send()
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    app.get(search, Some(&api_key))
        .await
        .assert_problem(401, "unauthorized");
    // Revoking again: there is no active key with this id.
    app.call("DELETE", &format!("/api-keys/{id}"))
        .token(Some(&admin))
        .send()
        .await
        .assert_problem(404, "not_found");
    let listed = app.get("/api/v1/api-keys", Some(&admin)).await;
    assert!(listed.body[0]["revoked_at"].is_string(), "{}", listed.body);
}

/// Revoked on one instance, refused at once on another that just served it
/// (from its cache, on PostgreSQL: the revoke's notice makes it forget).
#[tokio::test]
async fn a_key_revoked_on_one_instance_is_refused_at_once_on_another() {
    let app = spawn_app().await.with_auth_cache().await;
    let other = app.another_instance().await.with_auth_cache().await;
    let (id, api_key) = app.api_key("Court system", &["clients:read"]).await;
    let search = "/api/v1/clients?q=dana";
    assert_eq!(other.get(search, Some(&api_key)).await.status, 200);
    assert_eq!(other.get(search, Some(&api_key)).await.status, 200);

    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let revoked = app
        .call("DELETE", &format!("/api-keys/{id}"))
        .token(Some(&admin))
        .send()
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);
    app.get(search, Some(&api_key))
        .await
        .assert_problem(401, "unauthorized");
    refused_once_heard("revoked on the other instance", || {
        other.get(search, Some(&api_key))
    })
    .await;
}

#[tokio::test]
async fn a_key_that_is_unknown_malformed_or_of_the_other_mode_is_refused() {
    let app = spawn_app().await;
    let (_, api_key) = app.api_key("Court system", &["clients:read"]).await;
    let live = api_key.replacen("pk_test_", "pk_live_", 1);
    let unknown = format!("pk_test_{}", "A".repeat(43));
    for sent in [live.as_str(), unknown.as_str(), "pk_test_short"] {
        app.get("/api/v1/clients?q=dana", Some(sent))
            .await
            .assert_problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn only_admins_manage_keys_and_a_key_never_does() {
    let app = spawn_app().await;
    let body = json!({ "name": "Scheduler", "scopes": ["quotes:read"] });
    for login in [&AGENT_LOGIN, &SUPERVISOR_LOGIN] {
        let token = app.staff_token(login).await;
        app.post("/api-keys", Some(&token), &body)
            .await
            .assert_problem(403, "forbidden");
        app.get("/api/v1/api-keys", Some(&token))
            .await
            .assert_problem(403, "forbidden");
    }
    let (_, api_key) = app.api_key("Everything", &ALL_SCOPES).await;
    app.post("/api-keys", Some(&api_key), &body)
        .await
        .assert_problem(403, "insufficient_scope");
    let client = app.client_token().await;
    app.post("/api-keys", Some(&client), &body)
        .await
        .assert_problem(401, "unauthorized");
    // A key is not a staff session: it cannot read a staff member's role.
    app.get("/api/v1/staff/me", Some(&api_key))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_key_is_created_with_a_name_and_known_scopes_and_shown_once() {
    let app = spawn_app().await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    for body in [
        json!({ "name": " ", "scopes": ["clients:read"] }),
        json!({ "name": "x".repeat(101), "scopes": ["clients:read"] }),
        json!({ "name": "Scheduler", "scopes": [] }),
        json!({ "name": "Scheduler", "scopes": ["refunds:write"] }),
    ] {
        let reply = app.post("/api-keys", Some(&admin), &body).await;
        reply.assert_problem(422, "validation_failed");
    }
    let created = app
        .post(
            "/api-keys",
            Some(&admin),
            &json!({ "name": "  Scheduler ", "scopes": ["quotes:read", "clients:read"] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["name"], "Scheduler");
    assert_eq!(
        created.body["scopes"],
        json!(["clients:read", "quotes:read"])
    );
    let secret = created.body["key"].as_str().unwrap();
    assert!(
        secret.starts_with("pk_test_") && secret.len() == 51,
        "{secret}"
    );

    let listed = app.get("/api/v1/api-keys", Some(&admin)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let row = &listed.body[0];
    assert_eq!(row["id"], created.body["id"]);
    assert_eq!(row["key_prefix"], &secret[..12]);
    assert!(row["last_used_at"].is_null() && row["revoked_at"].is_null());
    assert!(row.get("key").is_none(), "the list never shows the key");
    assert!(!listed.body.to_string().contains(&secret[12..]));
}

#[tokio::test]
async fn the_last_use_is_recorded_at_most_once_a_minute() {
    let app = spawn_app().await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let (_, api_key) = app.api_key("Scheduler", &["clients:read"]).await;
    let last_used = || async {
        let listed = app.get("/api/v1/api-keys", Some(&admin)).await;
        listed.body[0]["last_used_at"].as_str().map(str::to_owned)
    };
    let search = "/api/v1/clients?q=dana";
    assert_eq!(last_used().await, None);
    assert_eq!(app.get(search, Some(&api_key)).await.status, 200);
    let first = last_used().await.expect("recorded");

    app.clock.advance(chrono::Duration::seconds(59));
    assert_eq!(app.get(search, Some(&api_key)).await.status, 200);
    assert_eq!(last_used().await.as_deref(), Some(first.as_str()));

    app.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(app.get(search, Some(&api_key)).await.status, 200);
    let second = last_used().await.expect("recorded");
    assert_ne!(second, first, "a minute later the use is written again");
}

#[tokio::test]
async fn each_key_has_its_own_rate_limit() {
    let app = spawn_app_with(&[("API_KEY_REQUESTS_PER_MINUTE", "3")]).await;
    app.start_of_window(1);
    let (_, busy) = app.api_key("Busy", &["clients:read"]).await;
    let (_, quiet) = app.api_key("Quiet", &["clients:read"]).await;
    let search = "/api/v1/clients?q=dana";
    for _ in 0..3 {
        assert_eq!(app.get(search, Some(&busy)).await.status, 200);
    }
    let refused = app.get(search, Some(&busy)).await;
    refused.assert_problem(429, "rate_limited");
    assert!(refused.retry_after.is_some_and(|s: i64| s >= 1));
    assert_eq!(app.get(search, Some(&quiet)).await.status, 200);
    app.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(app.get(search, Some(&busy)).await.status, 200);
}

#[tokio::test]
async fn the_client_log_names_the_key_that_sent_a_link() {
    let app = spawn_app().await;
    let (_, api_key) = app.api_key("County case system", &["links:write"]).await;
    let sent = app
        .post_idempotent(
            "/payment-links",
            Some(&api_key),
            &key(),
            &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let log = app
        .get(&format!("/api/v1/clients/{DANA}/log"), Some(&admin))
        .await;
    let entry = &log.body[0];
    assert_eq!(entry["author_kind"], "api_key", "{}", log.body);
    assert_eq!(entry["author_name"], "API key “County case system”");
    assert!(
        entry["message"]
            .as_str()
            .unwrap_or_default()
            .contains("API key “County case system”"),
        "{entry}"
    );
}

/// The key is a secret: neither it nor its random part is in any log line,
/// whatever the request made with it (allowed, refused, revoked).
#[tokio::test]
async fn the_key_never_appears_in_a_log() {
    let app = spawn_app().await;
    let (id, api_key) = app.api_key("Court system", &["clients:read"]).await;
    let secret = api_key.trim_start_matches("pk_test_").to_owned();
    assert_eq!(
        app.get("/api/v1/clients?q=dana", Some(&api_key))
            .await
            .status,
        200
    );
    app.call("POST", "/payment-links")
        .token(Some(&api_key))
        .key(&key())
        .json(&json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" }))
        .send()
        .await
        .assert_problem(403, "insufficient_scope");
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    app.call("DELETE", &format!("/api-keys/{id}"))
        .token(Some(&admin))
        .send()
        .await;
    app.get("/api/v1/clients?q=dana", Some(&api_key))
        .await
        .assert_problem(401, "unauthorized");

    let logs = app.logs();
    assert!(
        logs.contains("API key created"),
        "the log was captured: {logs}"
    );
    assert!(
        !logs.contains(&secret),
        "the API key is in the log:\n{logs}"
    );
    assert!(
        !logs.contains(&secret[..16]),
        "part of the API key is in the log"
    );
}

/// Issue 20: a key acts for the company, not for the admin who created it.
/// It keeps working when that person is no longer an admin; the list names
/// them, so the remaining admins review and revoke; and a staff user a key
/// names cannot be deleted (the foreign key `api_keys.created_by`).
#[tokio::test]
async fn a_key_outlives_its_creators_admin_role_and_names_its_creator() {
    let app = spawn_app().await;
    let (id, api_key) = app.api_key("Court system", &["clients:read"]).await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;
    let listed = app.get("/api/v1/api-keys", Some(&admin)).await;
    assert_eq!(listed.body[0]["id"], id.as_str());
    assert_eq!(listed.body[0]["created_by"], ADMIN.to_string());
    assert_eq!(listed.body[0]["created_by_name"], "Avery Admin");

    // Its creator is made an agent: the key's rights are its scopes.
    execute_sql(
        &app,
        &format!(
            "update staff_users set role = 'agent' where id = {}",
            uuid_sql(&app, ADMIN)
        ),
    )
    .await;
    let search = "/api/v1/clients?q=dana";
    assert_eq!(app.get(search, Some(&api_key)).await.status, 200);
    execute_sql(
        &app,
        &format!(
            "update staff_users set role = 'admin' where id = {}",
            uuid_sql(&app, ADMIN)
        ),
    )
    .await;
    let admin = app.staff_token(&ADMIN_LOGIN).await;

    // A staff user named by a key is never deleted: the database refuses.
    let departing = uuid::Uuid::new_v4();
    execute_sql(
        &app,
        &format!(
            "insert into staff_users (id, email, name, role, password_hash, created_at, updated_at) \
             values ({}, 'departing@example.com', 'Dee Parting', 'admin', 'x', '2026-11-30T00:00:00+00:00', '2026-11-30T00:00:00+00:00')",
            uuid_sql(&app, departing)
        ),
    )
    .await;
    execute_sql(
        &app,
        &format!(
            "update api_keys set created_by = {} where id = {}",
            uuid_sql(&app, departing),
            uuid_sql(&app, id.parse().unwrap())
        ),
    )
    .await;
    let deleted = try_execute_sql(
        &app,
        &format!(
            "delete from staff_users where id = {}",
            uuid_sql(&app, departing)
        ),
    )
    .await;
    let refusal = deleted.expect_err("a staff user a key names was deleted");
    assert!(refusal.to_lowercase().contains("foreign key"), "{refusal}");
    let listed = app.get("/api/v1/api-keys", Some(&admin)).await;
    assert_eq!(listed.body[0]["created_by_name"], "Dee Parting");
    assert_eq!(app.get(search, Some(&api_key)).await.status, 200);
}
