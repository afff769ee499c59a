use crate::support::*;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");

/// The committed spec is what the code generates. To update it:
/// `cargo run -p payments-api -- openapi > openapi/openapi.json`.
#[test]
fn the_committed_openapi_spec_matches_the_code() {
    let generated = payments_api::openapi::spec_json();
    let committed = std::fs::read_to_string(SPEC_PATH).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -p payments-api -- openapi > openapi/openapi.json`"
    );
}

#[test]
fn every_operation_has_the_users_operation_id() {
    let spec: serde_json::Value =
        serde_json::from_str(&payments_api::openapi::spec_json()).unwrap();
    let ids: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ops| ops.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    assert!(ids.contains(&"quote_summary"));
}

fn spec() -> serde_json::Value {
    serde_json::from_str(&payments_api::openapi::spec_json()).expect("the generated spec is JSON")
}

/// Asserts the spec lists `status` among the answers of `method path`.
fn assert_documented(spec: &serde_json::Value, method: &str, path: &str, status: u16) {
    let responses = &spec["paths"][path][method]["responses"];
    assert!(
        responses.get(status.to_string()).is_some(),
        "{method} {path} answers {status}, which its spec entry does not list"
    );
}

/// Found by contract fuzzing: the operations that read a JSON body answered
/// 400 `malformed_json`, 413 and 415 problems that their spec entries did not list.
#[tokio::test]
async fn every_json_body_operation_documents_the_problems_of_an_unreadable_body() {
    let app = spawn_app().await;
    let staff = app.staff_token(&ADMIN_LOGIN).await;
    let client = app.client_token().await;
    let spec = spec();
    let too_large = format!(r#"{{"padding":"{}"}}"#, "x".repeat(100_000));
    let mut checked = 0;
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let body = operation.pointer("/requestBody/content/application~1json/schema");
            // Only typed JSON bodies: the webhooks read raw bytes and check a signature.
            if body.and_then(|schema| schema.get("$ref")).is_none() {
                continue;
            }
            let token = match operation["security"][0]
                .as_object()
                .and_then(|s| s.keys().next())
            {
                Some(scheme) if scheme == "staff" => Some(staff.as_str()),
                Some(scheme) if scheme == "client" => Some(client.as_str()),
                _ => None,
            };
            let url = path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        DANA.to_string()
                    } else {
                        segment.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            for (content_type, body, status, code) in [
                ("application/json", "{", 400, "malformed_json"),
                ("text/plain", "hello", 415, "unsupported_media_type"),
                (
                    "application/json",
                    too_large.as_str(),
                    413,
                    "payload_too_large",
                ),
            ] {
                // Every other header the operation declares, with some value
                // (the payment link's token), so the body is what is read.
                let headers = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "header" && p["name"] != "Idempotency-Key")
                    .filter_map(|p| p["name"].as_str());
                let call = headers.fold(
                    app.call(method, url.trim_start_matches("/api/v1"))
                        .token(token)
                        .key(&key()),
                    |call, name| call.header(name, "some-value"),
                );
                call.raw(content_type, body)
                    .send()
                    .await
                    .assert_problem(status, code);
                assert_documented(&spec, method, path, status);
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} operations with a JSON body");
}

/// Found by contract fuzzing: a one-letter search answered a 422 the spec did not list.
#[tokio::test]
async fn a_search_shorter_than_two_characters_is_a_documented_422() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    for q in ["", "a", "%20%20"] {
        app.get(&format!("/api/v1/clients?q={q}"), Some(&token))
            .await
            .assert_problem(422, "query_too_short");
    }
    assert_documented(&spec(), "get", "/clients", 422);
}
