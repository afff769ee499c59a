//! Session tokens: HS256 JWTs pinned to their algorithm, with `iss`, an
//! audience per app (`plus` for staff, `myaccount` for clients) and `exp`.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const ISSUER: &str = "payments-api";
/// Access tokens live one hour at most: a session ends after an hour
/// without activity unless the app refreshes it (`refresh_session`).
pub const TOKEN_TTL_SECONDS: i64 = 3600;

/// However often it is refreshed, a session ends 12 hours after sign-in
/// (the absolute cap: a stolen token cannot be kept alive forever; a staff
/// shift fits in it). WCAG 2.2.1: the apps warn before either end.
pub const SESSION_MAX_SECONDS: i64 = 12 * 3600;

/// The sliding expiry: a session refreshed at `now` lasts
/// [`TOKEN_TTL_SECONDS`] more, but never past [`SESSION_MAX_SECONDS`] after
/// it `started` (UTC instants).
pub fn session_expiry(
    started: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> chrono::DateTime<chrono::Utc> {
    (now + chrono::Duration::seconds(TOKEN_TTL_SECONDS))
        .min(started + chrono::Duration::seconds(SESSION_MAX_SECONDS))
}

/// Which app a token was issued for; a token opens only its own app's routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// PLUS Web, the staff CRM.
    Plus,
    /// My Account, the client portal.
    MyAccount,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Plus => "plus",
            Audience::MyAccount => "myaccount",
        }
    }
}

/// The claims we issue. `sub` is the staff user id or the client id.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub exp: i64,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The session this token belongs to (the `sessions` row): checked on
    /// every request, so signing out or a change to the account ends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// HS256 keys derived from `JWT_SECRET`; the algorithm is pinned on decode.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    pub fn new(secret: &SecretString) -> JwtKeys {
        let bytes = secret.expose_secret().as_bytes();
        JwtKeys {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
        }
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Decodes a token for `audience`; wrong algorithm, issuer, audience or an
    /// expired token are all refused.
    pub fn verify(&self, token: &str, audience: Audience) -> Option<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[audience.as_str()]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        decode::<Claims>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&SecretString::from("0123456789abcdef0123456789abcdef"))
    }

    fn claims(aud: Audience, exp_offset: i64) -> Claims {
        let now = chrono::Utc::now().timestamp();
        Claims {
            sub: Uuid::new_v4(),
            aud: aud.as_str().into(),
            iss: ISSUER.into(),
            iat: now,
            exp: now + exp_offset,
            name: "A".into(),
            role: None,
            sid: Some(Uuid::new_v4()),
        }
    }

    #[test]
    fn a_refreshed_session_slides_an_hour_but_never_past_twelve_hours() {
        let started = chrono::Utc::now();
        let later = started + chrono::Duration::minutes(50);
        assert_eq!(
            session_expiry(started, later),
            later + chrono::Duration::hours(1)
        );
        let late = started + chrono::Duration::hours(11) + chrono::Duration::minutes(30);
        assert_eq!(
            session_expiry(started, late),
            started + chrono::Duration::hours(12)
        );
    }

    #[test]
    fn a_token_opens_only_its_own_audience() {
        let token = keys().issue(&claims(Audience::Plus, 60)).unwrap();
        assert!(keys().verify(&token, Audience::Plus).is_some());
        assert!(keys().verify(&token, Audience::MyAccount).is_none());
    }

    #[test]
    fn expired_tokens_and_other_secrets_are_refused() {
        let expired = keys().issue(&claims(Audience::Plus, -60)).unwrap();
        assert!(keys().verify(&expired, Audience::Plus).is_none());
        let other = JwtKeys::new(&SecretString::from("another-secret-another-secret-xx"))
            .issue(&claims(Audience::Plus, 60))
            .unwrap();
        assert!(keys().verify(&other, Audience::Plus).is_none());
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let body = serde_json::to_string(&claims(Audience::Plus, 60)).unwrap();
        let token = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&body));
        assert!(keys().verify(&token, Audience::Plus).is_none());
    }
}
