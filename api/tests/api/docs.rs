//! The API reference at /docs: Scalar's viewer served by the API itself, one
//! pinned release, under a CSP without inline script or other origins; and
//! none of it (nor the spec) in production unless `DOCS_ENABLED=true`.

use crate::support::*;
use sha2::{Digest, Sha256};

const VIEWER_PATH: &str = "/docs/scalar-api-reference.js";
const SETUP_PATH: &str = "/docs/viewer-setup.js";
const DOCS_PATHS: [&str; 4] = ["/docs", VIEWER_PATH, SETUP_PATH, "/openapi.json"];
/// Names the vendored release and the sha256 of its bundle
/// (written by `scripts/update-docs-assets`).
const ASSETS_README: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/docs/README.md"
));

/// A production configuration the test app can run: strong secrets, and the
/// sandbox, console SMS and demo data it uses opted into (as on staging).
const PRODUCTION: [(&str, &str); 7] = [
    ("APP_ENV", "production"),
    ("PUBLIC_BASE_URL", "https://pay.example.com"),
    ("JWT_SECRET", "Zk3q9Vb1-xR7tLmN2pQw8sYe4uHc6jGa0dFi5oK"),
    ("METRICS_TOKEN", "a-scraper-token-of-enough-length"),
    ("ALLOW_SANDBOX_GATEWAY", "true"),
    ("ALLOW_CONSOLE_SMS", "true"),
    ("ALLOW_DEMO_DATA", "true"),
];

/// The value of the README table's row named `row` (between backquotes).
fn pinned(row: &str) -> &'static str {
    ASSETS_README
        .lines()
        .find_map(|line| line.strip_prefix(&format!("| {row} | `")))
        .and_then(|rest| rest.split('`').next())
        .unwrap_or_else(|| panic!("api/assets/docs/README.md has no `{row}` row"))
}

/// The value of `directive` in a Content-Security-Policy.
fn directive<'a>(policy: &'a str, directive: &str) -> Option<&'a str> {
    policy.split(';').map(str::trim).find_map(|part| {
        part.strip_prefix(directive)
            .and_then(|rest| rest.strip_prefix(' '))
    })
}

/// Every `src` and `href` value of a page.
fn references(html: &str) -> Vec<&str> {
    [" src=\"", " href=\""]
        .into_iter()
        .flat_map(|attribute| {
            html.match_indices(attribute).map(move |(at, _)| {
                let value = &html[at + attribute.len()..];
                &value[..value.find('"').expect("a closing quote")]
            })
        })
        .collect()
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// GET `path`: its status, headers and body.
async fn fetch(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.http.get(app.url(path)).send().await.expect("GET");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("a body").to_vec(),
    )
}

async fn docs_page(app: &TestApp) -> (reqwest::header::HeaderMap, String) {
    let (status, headers, body) = fetch(app, "/docs").await;
    assert_eq!(status, 200);
    (headers, String::from_utf8(body).expect("an HTML page"))
}

#[tokio::test]
async fn the_docs_page_loads_only_this_apis_viewer_and_spec_with_no_inline_script() {
    let app = spawn_app().await;
    let (page, html) = docs_page(&app).await;
    assert!(!html.contains("cdn.jsdelivr.net"), "{html}");
    let references = references(&html);
    for reference in &references {
        let local = reference.starts_with('/') && !reference.starts_with("//");
        assert!(local || *reference == "data:,", "{reference} in {html}");
    }
    assert!(
        references
            .iter()
            .any(|r| r.starts_with(&format!("{VIEWER_PATH}?v="))),
        "{html}"
    );
    assert!(html.contains(r#"data-url="/openapi.json""#), "{html}");
    // Each <script> is empty: a file of this origin's, or the element typed as
    // data (never run) whose attributes tell the viewer where the spec is.
    for script in html.split("<script").skip(1) {
        let (tag, rest) = script.split_once('>').unwrap();
        let content = &rest[..rest.find("</script>").unwrap()];
        assert!(content.trim().is_empty(), "inline script: {script}");
        assert!(
            tag.contains(" src=\"/") || tag.contains(r#"type="application/json""#),
            "{tag}"
        );
    }

    assert_eq!(header(&page, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&page, "cache-control"), "no-cache");
    let csp = header(&page, "content-security-policy");
    assert_eq!(directive(&csp, "default-src"), Some("'none'"), "{csp}");
    assert_eq!(directive(&csp, "script-src"), Some("'self'"), "{csp}");
    assert_eq!(directive(&csp, "connect-src"), Some("'self'"), "{csp}");
    assert_eq!(
        directive(&csp, "style-src"),
        Some("'self' 'unsafe-inline'"),
        "{csp}"
    );
    assert_eq!(directive(&csp, "frame-ancestors"), Some("'none'"), "{csp}");
    assert!(!csp.contains("http"), "no other origin: {csp}");

    let (status, setup, _) = fetch(&app, SETUP_PATH).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&setup, "content-type"),
        "text/javascript; charset=utf-8"
    );
    let spec = app.get("/openapi.json", None).await;
    assert_eq!(spec.body["info"]["title"], "Secure Payments API");
}

#[tokio::test]
async fn the_viewer_is_the_pinned_release_with_a_long_cache_life() {
    let app = spawn_app().await;
    let (_, html) = docs_page(&app).await;
    let src = references(&html)
        .into_iter()
        .find(|r| r.starts_with(VIEWER_PATH))
        .expect("the page loads the viewer")
        .to_owned();

    let (status, viewer, bytes) = fetch(&app, &src).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&viewer, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header(&viewer, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&viewer, "x-content-type-options"), "nosniff");
    assert_eq!(
        directive(&header(&viewer, "content-security-policy"), "script-src"),
        Some("'self'")
    );
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha256, pinned("sha256 of the file"), "the served bundle");
    // The URL changes with the bytes, so a year's cache never serves an old release.
    assert_eq!(src, format!("{VIEWER_PATH}?v={}", &sha256[..16]));
    let version = pinned("version");
    let banner = format!("@scalar/api-reference@{version}");
    assert!(
        bytes.windows(banner.len()).any(|w| w == banner.as_bytes()),
        "the bundle is not release {version}"
    );
}

#[tokio::test]
async fn production_serves_no_docs_and_no_spec_unless_enabled() {
    let turned_off_in_development = [("DOCS_ENABLED", "false")];
    for vars in [&PRODUCTION[..], &turned_off_in_development[..]] {
        let app = spawn_app_with(vars).await;
        for path in DOCS_PATHS {
            app.get(path, None).await.assert_problem(404, "not_found");
        }
    }

    let mut enabled = PRODUCTION.to_vec();
    enabled.push(("DOCS_ENABLED", "true"));
    let app = spawn_app_with(&enabled).await;
    for path in DOCS_PATHS {
        assert_eq!(fetch(&app, path).await.0, 200, "{path}");
    }
}
