//! The OpenAPI document, generated from the handlers. `payments-api openapi`
//! prints it; `openapi/openapi.json` is that output, committed.

use crate::routes;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Secure Payments API",
        description = "Quotes, payments and secure payment links for monitoring-device clients. \
            Amounts are integer cents (USD). Errors are RFC 9457 problem documents with a stable `code`.",
        version = "1.0.0",
        // Not open source; SPDX's form for a licence without an identifier.
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary")
    ),
    servers((url = "/api/v1")),
    paths(
        routes::public_config::public_config,
        routes::auth::staff_login,
        routes::auth::client_login,
        routes::auth::logout,
        routes::auth::refresh_session,
        routes::clients::search_clients,
        routes::clients::get_client,
        routes::clients::update_client,
        routes::clients::get_client_reminders,
        routes::clients::set_next_appointment,
        routes::clients::clear_next_appointment,
        routes::terms::get_terms,
        routes::me::get_me,
        routes::me::staff_me,
        routes::quote::quote_summary,
        routes::payments::next_payment,
        routes::payments::take_payment,
        routes::payments::make_payment,
        routes::refunds::refund_payment,
        routes::history::account_history,
        routes::history::add_invoice,
        routes::credits::apply_credit,
        routes::credits::refund_credit,
        routes::credits::grant_credit,
        routes::history::client_log,
        routes::history::my_invoices,
        routes::history::my_invoice,
        routes::cards::my_cards,
        routes::cards::add_card,
        routes::cards::remove_card,
        routes::cards::remove_client_card,
        routes::cards::get_my_autopay,
        routes::cards::set_autopay,
        routes::sandbox::tokenize,
        routes::sandbox::authenticate,
        routes::confirm::confirm_my_payment,
        routes::confirm::confirm_link_payment,
        routes::links::send_link,
        routes::links::send_my_link,
        routes::links::list_my_links,
        routes::links::client_links,
        routes::links::revoke_link,
        routes::links::resend_link,
        routes::links::get_link,
        routes::links::redeem_token,
        routes::links::renew_expired_link,
        routes::receipts::get_receipt_by_reference,
        routes::receipts::list_my_receipts,
        routes::receipts::get_my_receipt,
        routes::receipts::get_payment_receipt,
        routes::api_keys::create_api_key,
        routes::api_keys::list_api_keys,
        routes::api_keys::revoke_api_key,
        routes::webhook_endpoints::create_webhook_endpoint,
        routes::webhook_endpoints::list_webhook_endpoints,
        routes::webhook_endpoints::delete_webhook_endpoint,
        routes::webhook_endpoints::list_webhook_deliveries,
        routes::webhook_endpoints::replay_webhook_delivery,
        routes::webhook_endpoints::update_webhook_endpoint,
        routes::webhooks::stripe_webhook,
        routes::webhooks::twilio_status,
        routes::webhooks::twilio_inbound,
    ),
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        crate::domain::webhook::PaymentEvent,
        crate::domain::webhook::LinkEvent,
        crate::domain::webhook::RefundEvent,
    )),
    modifiers(&BearerSchemes, &StaffRoles),
    tags(
        (name = "config", description = "Public settings for the browser apps"),
        (name = "auth", description = "Sign-in for staff (PLUS Web) and clients (My Account)"),
        (name = "clients", description = "Staff views of clients"),
        (name = "me", description = "The signed-in client's own records"),
        (name = "quotes", description = "Pricing of monitoring periods"),
        (name = "payments", description = "Take a Payment (staff)"),
        (name = "payment links", description = "Secure payment links: sent by staff, paid with the token alone"),
        (name = "receipts", description = "Proof of payment, opened by the payer's receipt reference"),
        (name = "api keys", description = "Credentials for partner systems, managed by admins (docs/api.md, Integrations)"),
        (name = "webhook endpoints", description = "Outgoing webhooks to partner systems (Standard Webhooks), managed by admins (docs/api.md, Integrations)"),
        (name = "webhooks", description = "Signed callbacks from the payment gateway and the SMS provider"),
        (name = "sandbox", description = "The sandbox gateway's card tokenization (development only)"),
    )
)]
pub struct ApiDoc;

struct BearerSchemes;

impl Modify for BearerSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, audience) in [("staff", "plus"), ("client", "myaccount")] {
            let scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(format!(
                    "Access token with audience `{audience}` from the {name} login"
                )))
                .build();
            components.add_security_scheme(name, SecurityScheme::Http(scheme));
        }
        // A partner system's key (docs/api.md, "Integrations"). Each
        // operation a key may call names the one scope it needs in its
        // security requirement (OpenAPI 3.1 allows roles there for any
        // scheme); the others are for staff only.
        let key = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("pk_live_… or pk_test_… API key")
            .description(Some(
                "API key created by an admin (`POST /api-keys`), sent as `Authorization: Bearer <key>`. \
                 Scopes: `clients:read`, `quotes:read`, `links:write`, `payments:read`, `payments:write`; \
                 each operation a key may call requires the scope named in its security requirement, and \
                 answers 403 `insufficient_scope` without it."
                    .to_owned(),
            ))
            .build();
        components.add_security_scheme("api_key", SecurityScheme::Http(key));
    }
}

/// Every staff operation can answer `403 forbidden`: its permission is
/// checked by the `Can<…>` extractor against the role matrix (docs/api.md, "Staff
/// roles"), so the answer is documented here, in one place, for all of them.
struct StaffRoles;

impl Modify for StaffRoles {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                // Signing out and reading one's own role need no permission.
                let needs_permission = !matches!(
                    operation.operation_id.as_deref(),
                    Some("logout" | "staff_me")
                );
                let for_staff = needs_permission
                    && operation.security.iter().flatten().any(|requirement| {
                        serde_json::to_value(requirement).is_ok_and(|v| v.get("staff").is_some())
                    });
                if for_staff && !operation.responses.responses.contains_key("403") {
                    let problem = ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build();
                    let response = ResponseBuilder::new()
                        .description("forbidden: the staff member's role does not allow this operation (docs/api.md, Staff roles); insufficient_scope: the API key lacks the scope in this operation's security requirement")
                        .content("application/problem+json", problem)
                        .build();
                    operation
                        .responses
                        .responses
                        .insert("403".into(), RefOr::T(response));
                }
            }
        }
    }
}

/// The spec: [`ApiDoc`] with its `webhooks` section, which utoipa 5 cannot
/// generate (its `OpenApi` has no such field): one operation per event type
/// we send (docs/api.md, "Integrations"), its body a component schema.
pub fn spec() -> serde_json::Value {
    use crate::domain::webhook::EventType;
    let mut spec = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let header = |name: &str, description: &str, example: &str| {
        serde_json::json!({
            "name": name, "in": "header", "required": true, "description": description,
            "schema": { "type": "string" }, "example": example,
        })
    };
    let headers = serde_json::json!([
        header("webhook-id", "The event's id: the same on every attempt and replay; de-duplicate by it.", "msg_2b7c0f4e9a1d4c3f8e6a5b4c3d2e1f00"),
        header("webhook-timestamp", "When this attempt was sent, in Unix seconds; refuse old ones (the libraries allow 5 minutes).", "1764540000"),
        header("webhook-signature", "`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` keyed with the base64-decoded part of the endpoint's `whsec_` secret (Standard Webhooks); verify with a `standardwebhooks` library.", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
    ]);
    let mut webhooks = serde_json::Map::new();
    for event in EventType::ALL {
        let (schema, summary) = match event {
            EventType::PaymentSucceeded => ("PaymentEvent", "A payment succeeded"),
            EventType::PaymentFailed => ("PaymentEvent", "A payment failed"),
            EventType::AutopayFailed => (
                "PaymentEvent",
                "An Auto Pay charge failed (also sent as payment.failed)",
            ),
            EventType::LinkPaid => (
                "PaymentEvent",
                "A payment link was paid (its payment in data)",
            ),
            EventType::PaymentRefunded => ("RefundEvent", "A refund of a payment succeeded"),
            EventType::LinkSent => (
                "LinkEvent",
                "A payment link was created and its text queued",
            ),
            EventType::LinkOpened => (
                "LinkEvent",
                "A payment link was opened by its payer for the first time",
            ),
            EventType::LinkExpired => (
                "LinkEvent",
                "A payment link expired unpaid (recorded by the link expiry job within about a minute of its expires_at)",
            ),
        };
        let operation = serde_json::json!({
            "post": {
                "tags": ["webhook endpoints"],
                "operationId": format!("on_{}", event.as_str().replace('.', "_")),
                "summary": summary,
                "description": format!("POSTed to every enabled endpoint subscribed to `{}`, signed as the Standard Webhooks specification says; retried with exponential backoff for 24 hours until the endpoint answers 2xx.", event.as_str()),
                "parameters": headers,
                "requestBody": {
                    "required": true,
                    "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
                },
                "responses": {
                    "200": { "description": "Received (any 2xx); the delivery is done" },
                    "400": { "description": "Refused (any other status, or no answer in 15 s): the delivery is retried" }
                },
                "security": []
            }
        });
        webhooks.insert(event.as_str().to_owned(), operation);
    }
    if let Some(object) = spec.as_object_mut() {
        object.insert("webhooks".into(), serde_json::Value::Object(webhooks));
    }
    spec
}

/// The spec as committed: pretty JSON with a trailing newline.
pub fn spec_json() -> String {
    let mut json = serde_json::to_string_pretty(&spec()).unwrap_or_default();
    json.push('\n');
    json
}
