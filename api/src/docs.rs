//! The API reference at `/docs` and the spec at `/openapi.json`, served only
//! when `DOCS_ENABLED` (by default in development, not in production).
//!
//! The page is Scalar's API reference viewer. Its browser bundle is vendored
//! in `api/assets/docs/` (one exact npm release, see the README there) and
//! compiled into the binary, so the page runs only scripts from this origin
//! that the repository pins: a CDN's unpinned "latest" could change what runs
//! on the page at any moment. The page's CSP (`security.rs`) allows no other
//! origin and no inline script; the viewer reads its settings from data
//! attributes.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{middleware, web, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// Where the viewer's bundle is served.
pub const VIEWER_PATH: &str = "/docs/scalar-api-reference.js";
/// Where the page's own script is served; it runs before the viewer.
pub const SETUP_PATH: &str = "/docs/viewer-setup.js";

/// Scalar's standalone browser bundle (`dist/browser/standalone.js` of
/// `@scalar/api-reference`), byte for byte.
static VIEWER: &[u8] = include_bytes!("../assets/docs/scalar-api-reference.js");

/// Zod, a schema library inside the viewer, probes once whether it may compile
/// code at run time (`Function("")`, refused by the CSP and caught), and the
/// browser reports the refusal as a violation. `jitless` is Zod's switch for
/// such pages (`z.config({ jitless: true })` keeps it in this global), so Zod
/// does not try.
const SETUP: &str = "// The API reference's settings that cannot be data attributes (api/src/docs.rs).
globalThis.__zod_globalConfig = Object.assign(globalThis.__zod_globalConfig || {}, { jitless: true });
";

/// The viewer's settings (Scalar's configuration object, as JSON in an
/// attribute): no fonts from Scalar's servers (the page uses the system's), no
/// telemetry, no AI agent or MCP offers, no developer tools.
const VIEWER_CONFIGURATION: &str = r#"{"withDefaultFonts":false,"telemetry":false,"agent":{"disabled":true},"mcp":{"disabled":true},"showDeveloperTools":"never","hideClientButton":true,"documentDownloadType":"json"}"#;

/// The page: an empty `api-reference` element typed as data (never run) whose
/// attributes tell the viewer where the spec is, then the setup script and the
/// viewer. The viewer's URL carries a hash of its bytes, so a new release is
/// fetched at once although browsers keep the bundle for a year.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(VIEWER);
    let version: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Secure Payments API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<script id="api-reference" type="application/json" data-url="/openapi.json" data-configuration='{VIEWER_CONFIGURATION}'></script>
<script src="{SETUP_PATH}"></script>
<script src="{VIEWER_PATH}?v={version}"></script>
</body>
</html>
"#
    )
});

/// Registers `/docs`, its scripts and `/openapi.json`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/openapi.json",
        web::get().to(|| async { HttpResponse::Ok().json(crate::openapi::spec()) }),
    );
    // The viewer is 4.9 MB, 1.4 to 1.9 MB compressed (brotli, gzip). It is
    // compressed per download, which browsers make once per release.
    cfg.service(
        web::scope("/docs")
            .wrap(middleware::Compress::default())
            .route("", web::get().to(page))
            .route(relative(VIEWER_PATH), web::get().to(viewer))
            .route(relative(SETUP_PATH), web::get().to(setup)),
    );
}

/// `path` inside the `/docs` scope.
fn relative(path: &str) -> &str {
    path.trim_start_matches("/docs")
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // Revalidated on every visit, so a new release's URL is seen at once.
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(PAGE.as_str())
}

async fn viewer() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(VIEWER)
}

async fn setup() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .body(SETUP)
}
