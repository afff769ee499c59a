//! Who is calling: JWT bearer tokens for staff (audience `plus`) and clients
//! (audience `myaccount`), as actix extractors.
//!
//! Every token names its session (`sid`), and every request checks the
//! session still stands: signing out, deleting the account or changing a
//! staff member's role ends it at once, on every instance (security issue,
//! item 17; OWASP ASVS 3.3.1 and 3.3.3). The check reads the instance's
//! [`cache::AuthCache`] (forgotten at each such change, on every instance)
//! and else one indexed query ([`session_stands`]).
//!
//! A partner system sends an API key instead (`Bearer pk_live_…`, issue 20):
//! it becomes a [`Staff`] caller with its key ([`ApiKeyCaller`]), so staff
//! operations take it through the same [`Can`] extractor, which checks the
//! key's scopes where it checks a staff member's role.

pub mod cache;
pub mod jwt;
pub mod password;
pub mod roles;
pub mod throttle;

pub use jwt::{Audience, Claims, JwtKeys};
pub use roles::{permits, Can, Permission, Permit};

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

/// A signed-in staff member (PLUS Web), or a partner system with an API key.
#[derive(Clone, Debug)]
pub struct Staff {
    /// The staff user; for an API key, the admin who created it (what a
    /// payment link it sends is recorded as created by).
    pub id: Uuid,
    /// The staff member's name; for an API key, `API key “<its name>”`.
    pub name: String,
    /// The staff role; empty for an API key (its scopes decide instead).
    pub role: String,
    /// Set when the caller sent an API key rather than a staff token.
    pub api_key: Option<ApiKeyCaller>,
}

/// The API key a caller sent, once found and active.
#[derive(Clone, Debug)]
pub struct ApiKeyCaller {
    pub id: Uuid,
    pub scopes: Vec<crate::domain::api_key::Scope>,
}

/// A signed-in client (My Account); they see only their own records.
#[derive(Clone, Debug)]
pub struct ClientUser {
    pub client_id: Uuid,
    pub name: String,
}

const SESSION_ENDED: ApiError = ApiError::Unauthorized(
    "this session has ended (signed out, or the account changed); sign in again",
);

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))
}

/// The request's bearer value, trimmed.
fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized(
            "sign in first: this request needs a Bearer token",
        ))
}

/// The API key the request sends as its bearer value, if it sends one
/// (recognised by its `pk_live_`/`pk_test_` prefix; a JWT has none).
fn sent_api_key(req: &HttpRequest) -> Option<&str> {
    bearer(req)
        .ok()
        .filter(|v| crate::domain::api_key::ApiKey::looks_like_one(v))
}

/// The claims of the request's bearer token for `audience`, signature and
/// expiry checked (not yet the session).
fn claims(req: &HttpRequest, audience: Audience) -> Result<Claims, ApiError> {
    let token = bearer(req)?;
    app_state(req)?
        .jwt
        .verify(token, audience)
        .ok_or(ApiError::Unauthorized(
            "the access token is invalid, expired or not for this application",
        ))
}

/// The claims of a valid staff or client token, its session not checked
/// (signing out of an ended session is not an error).
pub fn any_token(req: &HttpRequest) -> Result<Claims, ApiError> {
    claims(req, Audience::Plus).or_else(|_| claims(req, Audience::MyAccount))
}

/// The claims of a token whose session still stands: `401` when the token
/// is bad or its session ended.
pub async fn session(req: &HttpRequest, audience: Audience) -> Result<Claims, ApiError> {
    let claims = claims(req, audience)?;
    let state = app_state(req)?;
    let sid = claims.sid.ok_or(SESSION_ENDED)?;
    if session_stands(&state, sid, claims.sub).await? {
        Ok(claims)
    } else {
        Err(SESSION_ENDED)
    }
}

/// Whether session `sid` of `subject` still stands now (not signed out, not
/// expired, its account unchanged): from the instance's cache when it holds
/// the session, else from the database (then cached until a change).
pub async fn session_stands(state: &AppState, sid: Uuid, subject: Uuid) -> Result<bool, ApiError> {
    let now = state.clock.now();
    if state.auth_cache.session(sid, subject, now).is_some() {
        return Ok(true);
    }
    let generation = state.auth_cache.generation();
    match state.store.active_session(sid, now).await? {
        Some((owner, expires_at)) if owner == subject => {
            state
                .auth_cache
                .store_session(generation, sid, subject, expires_at);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The staff member signed in on `req` (a staff token only, no API key).
/// Not an extractor on its own: staff handlers take [`Can`], which also
/// checks the role.
pub async fn staff(req: &HttpRequest) -> Result<Staff, ApiError> {
    session(req, Audience::Plus).await.map(staff_of)
}

fn staff_of(c: Claims) -> Staff {
    Staff {
        id: c.sub,
        name: c.name,
        role: c.role.unwrap_or_default(),
        api_key: None,
    }
}

/// Whoever may call a staff operation: a staff member signed in on `req`, or
/// the partner system behind the API key it sends
/// ([`crate::services::api_keys::authenticate`]: found, not revoked, within
/// its rate limit).
pub async fn operator(req: &HttpRequest) -> Result<Staff, ApiError> {
    match sent_api_key(req) {
        Some(key) => crate::services::api_keys::authenticate(&*app_state(req)?, key).await,
        None => staff(req).await,
    }
}

async fn client(req: &HttpRequest) -> Result<ClientUser, ApiError> {
    session(req, Audience::MyAccount).await.map(|c| ClientUser {
        client_id: c.sub,
        name: c.name,
    })
}

impl FromRequest for ClientUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { client(&req).await })
    }
}

impl Staff {
    /// Who the Client Log and the payment records name: the staff member,
    /// or the API key.
    pub fn actor(&self) -> crate::domain::Actor {
        match &self.api_key {
            Some(key) => crate::domain::Actor::ApiKey {
                id: key.id,
                name: self.name.clone(),
            },
            None => crate::domain::Actor::Staff {
                id: self.id,
                name: self.name.clone(),
            },
        }
    }
}

impl ClientUser {
    pub fn actor(&self) -> crate::domain::Actor {
        crate::domain::Actor::Client {
            id: self.client_id,
            name: self.name.clone(),
        }
    }
}

/// A caller whose token is verified (signature, audience, expiry) but whose
/// session is not yet checked: a read-only handler checks it *while* it
/// reads, and answers only once [`PendingSession::confirm`] says the session
/// still stands. One round trip less before the read, for the most frequent
/// reads (the quote summary is asked on every choice of vehicle and days).
/// Authorization may use [`PendingSession::caller`]: its claims are signed.
/// Handlers that change anything take [`Caller`], [`Staff`] or
/// [`ClientUser`], checked before they run.
pub struct PendingSession {
    caller: Caller,
    sid: Option<Uuid>,
    /// The token's subject (`sub`).
    subject: Uuid,
    /// An API key is checked in full before the handler runs (its lookup is
    /// the round trip a session check would be).
    checked: bool,
    state: web::Data<AppState>,
}

impl PendingSession {
    /// Who the token says the caller is.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// `Ok` when the session still stands, else `401` (`SESSION_ENDED`).
    pub async fn confirm(&self) -> Result<(), ApiError> {
        if self.checked {
            return Ok(());
        }
        let sid = self.sid.ok_or(SESSION_ENDED)?;
        if session_stands(&self.state, sid, self.subject).await? {
            Ok(())
        } else {
            Err(SESSION_ENDED)
        }
    }
}

impl FromRequest for PendingSession {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = app_state(&req)?;
            if sent_api_key(&req).is_some() {
                let caller = Caller::Staff(operator(&req).await?);
                return Ok(PendingSession {
                    caller,
                    sid: None,
                    subject: Uuid::nil(),
                    checked: true,
                    state,
                });
            }
            // As for [`Caller`]: a staff token is a staff caller.
            let (caller, sid, subject) = match claims(&req, Audience::Plus) {
                Ok(c) => {
                    let (sid, subject) = (c.sid, c.sub);
                    (Caller::Staff(staff_of(c)), sid, subject)
                }
                Err(_) => {
                    let c = claims(&req, Audience::MyAccount)?;
                    (
                        Caller::Client(ClientUser {
                            client_id: c.sub,
                            name: c.name,
                        }),
                        c.sid,
                        c.sub,
                    )
                }
            };
            Ok(PendingSession {
                caller,
                sid,
                subject,
                checked: false,
                state,
            })
        })
    }
}

/// Either kind of caller, for endpoints both apps use (quote summary).
#[derive(Clone, Debug)]
pub enum Caller {
    /// A staff member or an API key ([`operator`]).
    Staff(Staff),
    Client(ClientUser),
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            // An API key or a staff token (audience `plus`) is a staff
            // caller, whatever its session says; anything else must be a
            // client's.
            if sent_api_key(&req).is_some() {
                return operator(&req).await.map(Caller::Staff);
            }
            if claims(&req, Audience::Plus).is_ok() {
                return staff(&req).await.map(Caller::Staff);
            }
            client(&req).await.map(Caller::Client)
        })
    }
}
