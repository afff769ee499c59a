//! Security headers on every response: the API's own, the SPAs' it serves,
//! and the docs page's.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// JSON answers: nothing may load or frame them.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/// The SPAs: own scripts only (no inline script); Stripe Elements when used.
const SPA_CSP: &str = "default-src 'self'; script-src 'self' https://js.stripe.com; \
    frame-src https://js.stripe.com https://hooks.stripe.com; connect-src 'self' https://api.stripe.com; \
    img-src 'self' data:; style-src 'self' 'sha256-aNPP0x1Ly4IF8JIyq7fY9EP972Sof6tDszqGv4yfA5w='; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// The API reference at /docs (`docs.rs`): the viewer's bundle from this
/// origin and no inline script; it fetches the spec and, for "Test Request",
/// the API itself. Inline styles are allowed here only: the viewer injects
/// its stylesheets as `<style>` elements (only the first takes a nonce).
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

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

    /// The value of `directive` in `policy`.
    fn directive<'a>(policy: &'a str, directive: &str) -> Option<&'a str> {
        policy.split(';').map(str::trim).find_map(|part| {
            part.strip_prefix(directive)
                .and_then(|rest| rest.strip_prefix(' '))
        })
    }

    #[test]
    fn the_docs_run_only_their_own_script_and_talk_only_to_this_origin() {
        assert_eq!(directive(DOCS_CSP, "default-src"), Some("'none'"));
        assert_eq!(directive(DOCS_CSP, "script-src"), Some("'self'"));
        assert_eq!(directive(DOCS_CSP, "connect-src"), Some("'self'"));
        assert!(!DOCS_CSP.contains("http"), "no other origin: {DOCS_CSP}");
        assert_eq!(csp_for("/docs/scalar-api-reference.js"), DOCS_CSP);
    }

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
