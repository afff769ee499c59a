//! Security headers on every response: the API's own, the SPAs' it serves,
//! and the docs page's.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

/// JSON answers: nothing may load or frame them.
const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";
/// The SPAs: own scripts only (no inline script); Stripe Elements when used,
/// with the origins Stripe's integration security guide lists for Stripe.js
/// ([`STRIPE_JS_ORIGINS`]). The same policy is in nginx's
/// `deploy/nginx/security-headers.conf` (a test keeps them equal).
const SPA_CSP: &str = "default-src 'self'; script-src 'self' https://js.stripe.com https://*.js.stripe.com; \
    frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com; connect-src 'self' https://api.stripe.com; \
    img-src 'self' data:; style-src 'self' 'sha256-95sxBgZc0FKS3kkWbNY5ISQC51O4bwjuQ9v/24EI3+w='; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// The API reference at /docs (`docs.rs`): the viewer's bundle from this
/// origin and no inline script; it fetches the spec and, for "Test Request",
/// the API itself. Inline styles are allowed here only: the viewer injects
/// its stylesheets as `<style>` elements (only the first takes a nonce).
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// What Stripe.js needs, per directive, as Stripe's integration security
/// guide ("Content Security Policy") lists it: the script and its frames
/// (`*.js.stripe.com` for newer builds), 3-D Secure pages on
/// `hooks.stripe.com`, and its API. (`maps.googleapis.com` is listed only
/// for the Address Element's autocomplete, which we do not use.)
pub const STRIPE_JS_ORIGINS: [(&str, &str); 6] = [
    ("script-src", "https://js.stripe.com"),
    ("script-src", "https://*.js.stripe.com"),
    ("frame-src", "https://js.stripe.com"),
    ("frame-src", "https://*.js.stripe.com"),
    ("frame-src", "https://hooks.stripe.com"),
    ("connect-src", "https://api.stripe.com"),
];

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

    /// Issue 15, item 6: Stripe.js cannot load offline, so the policy is
    /// checked against Stripe's documented list instead, in the API and in
    /// the nginx configuration that serves the SPAs in production.
    #[test]
    fn the_spa_policy_admits_what_stripe_js_needs_and_nginx_sends_the_same() {
        for (name, origin) in STRIPE_JS_ORIGINS {
            let sources = directive(SPA_CSP, name).unwrap_or_default();
            assert!(
                sources.split(' ').any(|s| s == origin),
                "{name} lacks {origin}: {SPA_CSP}"
            );
        }
        let nginx = include_str!("../../deploy/nginx/security-headers.conf");
        let sent = nginx
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("add_header Content-Security-Policy \"")
            })
            .and_then(|rest| rest.split('"').next())
            .expect("nginx sends a Content-Security-Policy");
        assert_eq!(sent, SPA_CSP, "nginx and the API differ");
    }

    #[test]
    fn every_policy_forbids_framing_and_spas_allow_no_inline_script() {
        for path in ["/api/v1/me", "/plus/", "/my-account/pay", "/docs"] {
            assert!(csp_for(path).contains("frame-ancestors 'none'"), "{path}");
        }
        assert!(
            !directive(SPA_CSP, "script-src").is_some_and(|d| d.contains("unsafe")),
            "{SPA_CSP}"
        );
        let mut headers = HeaderMap::new();
        add_headers(&mut headers, "/api/v1/me", true);
        assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
        assert!(headers.get("strict-transport-security").is_some());
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    }
}
