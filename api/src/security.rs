//! Security headers on every response: the API's own, the SPAs' it serves,
//! and the docs page's (which loads its viewer from a CDN).

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// JSON answers: nothing may load or frame them.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/// The SPAs: own scripts only (no inline script); Stripe Elements when used.
const SPA_CSP: &str = "default-src 'self'; script-src 'self' https://js.stripe.com; \
    frame-src https://js.stripe.com https://hooks.stripe.com; connect-src 'self' https://api.stripe.com; \
    img-src 'self' data:; style-src 'self' 'sha256-aNPP0x1Ly4IF8JIyq7fY9EP972Sof6tDszqGv4yfA5w='; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// The API reference viewer at /docs is served from a CDN with an inline bootstrap.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; \
    style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; \
    font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net; img-src 'self' data: https:; \
    connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

fn csp_for(path: &str) -> &'static str {
    if path.starts_with("/docs") {
        DOCS_CSP
    } else if path.starts_with("/plus") || path.starts_with("/my-account") {
        SPA_CSP
    } else {
        API_CSP
    }
}

/// Adds the headers for a response to `path`; HSTS only when served over https.
pub fn add_headers(headers: &mut HeaderMap, path: &str, https: bool) {
    let mut set = |name: &'static str, value: &'static str| {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    };
    set("content-security-policy", csp_for(path));
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(self)",
    );
    if https {
        set(
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    if !path.starts_with("/plus") && !path.starts_with("/my-account") && !path.starts_with("/docs")
    {
        set("cache-control", "no-store");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_forbids_framing_and_spas_allow_no_inline_script() {
        for path in ["/api/v1/me", "/plus/", "/my-account/pay", "/docs"] {
            assert!(csp_for(path).contains("frame-ancestors 'none'"), "{path}");
        }
        assert!(
            !SPA_CSP.contains("'unsafe-inline' https://js")
                && SPA_CSP.contains("script-src 'self' https://js.stripe.com;")
        );
        let mut headers = HeaderMap::new();
        add_headers(&mut headers, "/api/v1/me", true);
        assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
        assert!(headers.get("strict-transport-security").is_some());
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    }
}
