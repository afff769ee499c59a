//! Every staff operation of the spec, tried with every staff role: the
//! permission matrix of `api/src/auth/roles.rs`, seen from outside.

use crate::support::*;
use serde_json::{json, Value};
use uuid::Uuid;

/// A staff operation: its operationId, how to call it, and the roles allowed.
pub(crate) struct Operation {
    pub id: &'static str,
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
    pub allowed: &'static [&'static str],
}

const EVERYONE: &[&str] = &["agent", "supervisor", "admin"];
const SUPERVISORS: &[&str] = &["supervisor", "admin"];
const ADMINS: &[&str] = &["admin"];

/// Every staff operation of the spec, callable once `link_id` (a link sent to
/// Dana) and `payment_id` (a payment of Dana's) exist. `tests/api/api_keys.rs`
/// tries them with API keys too.
pub(crate) fn operations(link_id: &str, payment_id: &str) -> Vec<Operation> {
    let op = |id, method, path: String, body: Option<Value>, allowed| Operation {
        id,
        method,
        path,
        body,
        allowed,
    };
    let quote = json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14 });
    vec![
        op(
            "search_clients",
            "GET",
            "/clients?q=dana".into(),
            None,
            EVERYONE,
        ),
        op(
            "get_client",
            "GET",
            format!("/clients/{DANA}"),
            None,
            EVERYONE,
        ),
        op(
            "account_history",
            "GET",
            format!("/clients/{DANA}/account-history"),
            None,
            EVERYONE,
        ),
        op(
            "client_log",
            "GET",
            format!("/clients/{DANA}/log"),
            None,
            EVERYONE,
        ),
        op(
            "get_client_reminders",
            "GET",
            format!("/clients/{DANA}/reminders"),
            None,
            EVERYONE,
        ),
        op(
            "next_payment",
            "GET",
            format!("/clients/{DANA}/next-payment"),
            None,
            EVERYONE,
        ),
        op(
            "client_links",
            "GET",
            format!("/clients/{DANA}/payment-links"),
            None,
            EVERYONE,
        ),
        op(
            "quote_summary",
            "POST",
            "/quote-summary".into(),
            Some(quote),
            EVERYONE,
        ),
        op(
            "send_link",
            "POST",
            "/payment-links".into(),
            Some(
                json!({ "client_id": RILEY, "vehicle_id": RILEY_WRANGLER, "monitor_days": 14, "phone": "5125550143" }),
            ),
            EVERYONE,
        ),
        op(
            "resend_link",
            "POST",
            format!("/payment-links/{link_id}/resend"),
            Some(json!({})),
            EVERYONE,
        ),
        op(
            "revoke_link",
            "POST",
            format!("/payment-links/{link_id}/revoke"),
            Some(json!({})),
            EVERYONE,
        ),
        op(
            "get_payment_receipt",
            "GET",
            format!("/payments/{}/receipt", Uuid::nil()),
            None,
            EVERYONE,
        ),
        op(
            "take_payment",
            "POST",
            format!("/clients/{RILEY}/payments"),
            Some(json!({ "vehicle_id": RILEY_WRANGLER, "monitor_days": 14, "card_id": DANA_VISA })),
            EVERYONE,
        ),
        op(
            "remove_client_card",
            "DELETE",
            format!("/clients/{RILEY}/cards/{}", Uuid::nil()),
            None,
            EVERYONE,
        ),
        op(
            "update_client",
            "PATCH",
            format!("/clients/{RILEY}"),
            Some(json!({ "language": "es" })),
            EVERYONE,
        ),
        op(
            "set_next_appointment",
            "PUT",
            format!("/clients/{RILEY}/vehicles/{RILEY_WRANGLER}/next-appointment"),
            Some(json!({ "starts_at": "2099-01-02T10:00:00-06:00", "location_name": "Austin" })),
            EVERYONE,
        ),
        op(
            "clear_next_appointment",
            "DELETE",
            format!("/clients/{RILEY}/vehicles/{RILEY_WRANGLER}/next-appointment"),
            None,
            EVERYONE,
        ),
        op(
            "add_invoice",
            "POST",
            format!("/clients/{DANA}/invoices"),
            Some(json!({ "vehicle_id": DANA_F150, "monitor_days": 14 })),
            SUPERVISORS,
        ),
        op(
            "apply_credit",
            "POST",
            format!("/clients/{DANA}/credit-applications"),
            Some(json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14 })),
            SUPERVISORS,
        ),
        op(
            "refund_credit",
            "POST",
            format!("/clients/{DANA}/credit-refunds"),
            Some(json!({ "amount_cents": 100, "reason": "role check" })),
            SUPERVISORS,
        ),
        op(
            "grant_credit",
            "POST",
            format!("/clients/{DANA}/credits"),
            Some(json!({ "amount_cents": 100, "reason": "role check" })),
            SUPERVISORS,
        ),
        op(
            "refund_payment",
            "POST",
            format!("/payments/{payment_id}/refunds"),
            Some(json!({ "amount_cents": 100, "reason": "role check" })),
            SUPERVISORS,
        ),
        op(
            "create_api_key",
            "POST",
            "/api-keys".into(),
            Some(json!({ "name": "Role check", "scopes": ["clients:read"] })),
            ADMINS,
        ),
        op("list_api_keys", "GET", "/api-keys".into(), None, ADMINS),
        op(
            "revoke_api_key",
            "DELETE",
            format!("/api-keys/{}", Uuid::nil()),
            None,
            ADMINS,
        ),
        op(
            "create_webhook_endpoint",
            "POST",
            "/webhook-endpoints".into(),
            Some(json!({ "url": "https://partner.example/hooks", "events": ["link.paid"] })),
            ADMINS,
        ),
        op(
            "list_webhook_endpoints",
            "GET",
            "/webhook-endpoints".into(),
            None,
            ADMINS,
        ),
        op(
            "delete_webhook_endpoint",
            "DELETE",
            format!("/webhook-endpoints/{}", Uuid::nil()),
            None,
            ADMINS,
        ),
        op(
            "list_webhook_deliveries",
            "GET",
            format!("/webhook-endpoints/{}/deliveries", Uuid::nil()),
            None,
            ADMINS,
        ),
        op(
            "replay_webhook_delivery",
            "POST",
            format!("/webhook-endpoints/{}/deliveries/1/replay", Uuid::nil()),
            Some(json!({})),
            ADMINS,
        ),
        op(
            "update_webhook_endpoint",
            "PATCH",
            format!("/webhook-endpoints/{}", Uuid::nil()),
            Some(json!({ "status": "disabled" })),
            ADMINS,
        ),
    ]
}

/// The operationIds the committed spec marks as staff-only or staff-and-client.
pub(crate) fn staff_operations_in_the_spec() -> Vec<String> {
    let spec: Value =
        serde_json::from_str(payments_api::openapi::spec_json().as_str()).expect("the spec");
    let mut ids = Vec::new();
    let objects = |v: &Value| v.as_object().cloned().unwrap_or_default();
    for operations in objects(&spec["paths"]).values() {
        for operation in objects(operations).values() {
            // Signing out, refreshing and reading one's own role are every
            // session's own business, not a role's (tests/api/sessions.rs).
            let staff = !["logout", "refresh_session", "staff_me"]
                .contains(&operation["operationId"].as_str().unwrap_or_default())
                && operation["security"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|r| r.get("staff").is_some()));
            if staff {
                ids.push(
                    operation["operationId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                );
            }
        }
    }
    ids.sort();
    ids
}

#[tokio::test]
async fn every_staff_operation_is_allowed_exactly_to_the_roles_of_the_matrix() {
    let app = spawn_app().await;
    let tokens = [
        ("agent", app.staff_token(&AGENT_LOGIN).await),
        ("supervisor", app.staff_token(&SUPERVISOR_LOGIN).await),
        ("admin", app.staff_token(&ADMIN_LOGIN).await),
    ];
    let sent = app
        .post_idempotent(
            "/payment-links",
            Some(&tokens[2].1),
            &key(),
            &json!({ "client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143" }),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let paid = app.take_payment(&tokens[0].1, &key()).await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    let operations = operations(
        sent.body["id"].as_str().unwrap(),
        paid.body["payment_id"].as_str().unwrap(),
    );

    let mut covered: Vec<String> = operations.iter().map(|o| o.id.to_owned()).collect();
    covered.sort();
    assert_eq!(
        covered,
        staff_operations_in_the_spec(),
        "a staff operation without its row here"
    );

    for operation in &operations {
        for (role, token) in &tokens {
            let mut call = app
                .call(operation.method, &operation.path)
                .token(Some(token))
                .key(&key());
            if let Some(body) = &operation.body {
                call = call.json(body);
            }
            let reply = call.send().await;
            if operation.allowed.contains(role) {
                assert_ne!(
                    reply.status, 403,
                    "{} as {role}: {}",
                    operation.id, reply.body
                );
                assert!(
                    reply.status < 500,
                    "{} as {role}: {}",
                    operation.id,
                    reply.body
                );
            } else {
                reply.assert_problem(403, "forbidden");
            }
        }
    }
}

#[tokio::test]
async fn staff_see_their_role_and_what_it_allows() {
    let app = spawn_app().await;
    for (login, role, permissions) in [
        (
            &AGENT_LOGIN,
            "agent",
            vec!["read_clients", "send_links", "take_payments"],
        ),
        (
            &SUPERVISOR_LOGIN,
            "supervisor",
            vec![
                "read_clients",
                "send_links",
                "take_payments",
                "add_invoices",
                "refund",
            ],
        ),
        (
            &ADMIN_LOGIN,
            "admin",
            vec![
                "read_clients",
                "send_links",
                "take_payments",
                "add_invoices",
                "refund",
                "administer",
            ],
        ),
    ] {
        let token = app.staff_token(login).await;
        let me = app.get("/api/v1/staff/me", Some(&token)).await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.body["role"], role);
        assert_eq!(me.body["permissions"], json!(permissions), "{role}");
    }
    let client = app.client_token().await;
    app.get("/api/v1/staff/me", Some(&client))
        .await
        .assert_problem(401, "unauthorized");
}
