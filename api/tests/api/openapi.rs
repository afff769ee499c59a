use crate::helpers::*;

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

#[tokio::test]
async fn the_docs_and_the_spec_are_served() {
    let app = spawn_app().await;
    let docs = app.http.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("openapi"));
    let spec = app.get("/openapi.json", None).await;
    assert_eq!(spec.body["info"]["title"], "Secure Payments API");
}
