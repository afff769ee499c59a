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
    img-src 'self' data:; style-src 'self' 'sha256-40GTms2UQWHCxeLtPgd5jZJNiuNl6FFrLhWbNjUty5I='; \
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

/// The SPAs' policy: [`SPA_CSP`], with the origin of a company logo served from elsewhere
/// (`COMPANY_LOGO_URL`, `CompanyLogoUrl::other_origin`) added to `img-src`. nginx adds the same origin
/// from its `COMPANY_LOGO_ORIGIN` (`deploy/nginx/security-headers.conf`).
pub fn spa_csp(logo_origin: Option<&str>) -> String {
    match logo_origin {
        Some(origin) => SPA_CSP.replacen(
            "img-src 'self' data:;",
            &format!("img-src 'self' data: {origin};"),
            1,
        ),
        None => SPA_CSP.to_owned(),
    }
}

/// The policies the responses carry, built once from the settings.
#[derive(Clone)]
pub struct Policies {
    spa: HeaderValue,
}

impl Policies {
    pub fn new(logo_origin: Option<&str>) -> Self {
        Self {
            // The origin comes from a parsed https URL (ASCII, no quotes or semicolons).
            spa: HeaderValue::from_str(&spa_csp(logo_origin))
                .unwrap_or_else(|_| HeaderValue::from_static(SPA_CSP)),
        }
    }

    fn csp_for(&self, path: &str) -> HeaderValue {
        if path.starts_with("/docs") {
            HeaderValue::from_static(DOCS_CSP)
        } else if path.starts_with("/plus") || path.starts_with("/my-account") {
            self.spa.clone()
        } else {
            HeaderValue::from_static(API_CSP)
        }
    }
}

/// Adds the headers for a response to `path`; HSTS only when served over https.
pub fn add_headers(headers: &mut HeaderMap, policies: &Policies, path: &str, https: bool) {
    headers.insert(
        HeaderName::from_static("content-security-policy"),
        policies.csp_for(path),
    );
    let mut set = |name: &'static str, value: &'static str| {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    };
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
        assert_eq!(
            Policies::new(None).csp_for("/docs/scalar-api-reference.js"),
            DOCS_CSP
        );
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
        // nginx puts its $company_logo_origin (empty, or the logo's origin) where the API puts the origin.
        let with = |origin: &str| sent.replace(" $company_logo_origin;", &format!("{origin};"));
        assert_eq!(with(""), spa_csp(None), "nginx and the API differ");
        assert_eq!(
            with(" https://cdn.example.com"),
            spa_csp(Some("https://cdn.example.com")),
            "nginx and the API differ with a logo"
        );
    }

    #[test]
    fn a_logo_from_another_origin_is_allowed_as_an_image_and_nothing_else() {
        let policy = spa_csp(Some("https://cdn.example.com"));
        assert_eq!(
            directive(&policy, "img-src"),
            Some("'self' data: https://cdn.example.com")
        );
        assert_eq!(policy.matches("cdn.example.com").count(), 1, "{policy}");
        let headers = Policies::new(Some("https://cdn.example.com"));
        assert_eq!(headers.csp_for("/my-account/pay"), policy.as_str());
        assert_eq!(headers.csp_for("/api/v1/me"), API_CSP);
    }

    #[test]
    fn every_policy_forbids_framing_and_spas_allow_no_inline_script() {
        let policies = Policies::new(None);
        for path in ["/api/v1/me", "/plus/", "/my-account/pay", "/docs"] {
            let policy = policies.csp_for(path);
            assert!(
                policy.to_str().unwrap().contains("frame-ancestors 'none'"),
                "{path}"
            );
        }
        assert!(
            !directive(SPA_CSP, "script-src").is_some_and(|d| d.contains("unsafe")),
            "{SPA_CSP}"
        );
        let mut headers = HeaderMap::new();
        add_headers(&mut headers, &policies, "/api/v1/me", true);
        assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
        assert!(headers.get("strict-transport-security").is_some());
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    }
}
