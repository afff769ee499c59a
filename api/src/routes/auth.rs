//! Sign-in for staff and clients, and sign-out: a password checked within
//! the sign-in throttle gives a session JWT.

use crate::auth::{jwt, throttle, Audience, Claims};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// Email and password. The password is never logged.
#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(email(message = "email must be an email address"))]
    #[schema(example = "agent@example.com")]
    pub email: String,
    #[validate(length(min = 1, max = 256, message = "password must be 1 to 256 characters"))]
    #[schema(example = "agent-demo-1")]
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .finish()
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
}

const WRONG_CREDENTIALS: ApiError = ApiError::Unauthorized("the email or password is not correct");

/// Checks the password under the sign-in throttle ([`throttle`]): counted and,
/// when over a limit, refused before hashing; a success is recorded.
async fn check_password(
    state: &AppState,
    req: &HttpRequest,
    door: &'static str,
    body: &LoginRequest,
    stored: Option<String>,
) -> ApiResult<()> {
    let ip = crate::client_ip::of(req, &state.settings.trusted_proxy_networks);
    let sign_in = throttle::SignIn {
        door,
        email: &body.email,
        ip: &ip,
    };
    throttle::admit(state, &sign_in).await?;
    if state
        .password_gate
        .verify(body.password.clone(), stored)
        .await?
    {
        throttle::succeeded(state, &sign_in).await?;
        return Ok(());
    }
    Err(WRONG_CREDENTIALS)
}

/// Starts a session (its row, then a token naming it) for `sub`.
async fn token(
    state: &AppState,
    audience: Audience,
    sub: Uuid,
    name: String,
    role: Option<String>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let iat = now.timestamp();
    let sid = Uuid::new_v4();
    state
        .store
        .create_session(
            sid,
            audience.as_str(),
            sub,
            role.as_deref(),
            now,
            now + chrono::Duration::seconds(jwt::TOKEN_TTL_SECONDS),
        )
        .await?;
    let claims = Claims {
        sub,
        aud: audience.as_str().into(),
        iss: jwt::ISSUER.into(),
        iat,
        exp: iat + jwt::TOKEN_TTL_SECONDS,
        name,
        role,
        sid: Some(sid),
    };
    let access_token = state
        .jwt
        .issue(&claims)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: jwt::TOKEN_TTL_SECONDS,
    }))
}

/// Staff sign-in (PLUS Web); the token's audience is `plus`.
#[utoipa::path(
    tag = "auth", operation_id = "staff_login", security(()), request_body = LoginRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: too many sign-ins from this address, or this account is locked out for this address (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "service_unavailable: too many sign-ins at once, or the database is down (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/staff/login")]
#[tracing::instrument(skip_all)]
pub async fn staff_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let staff = state.store.staff_by_email(&body.email).await?;
    let stored = staff.as_ref().map(|s| s.password_hash.clone());
    check_password(&state, &req, "staff", &body, stored).await?;
    let staff = staff.ok_or(WRONG_CREDENTIALS)?;
    token(
        &state,
        Audience::Plus,
        staff.id,
        staff.name,
        Some(staff.role),
    )
    .await
}

/// Client sign-in (My Account); the token's audience is `myaccount`.
#[utoipa::path(
    tag = "auth", operation_id = "client_login", security(()), request_body = LoginRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "rate_limited: too many sign-ins from this address, or this account is locked out for this address (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "service_unavailable: too many sign-ins at once, or the database is down (Retry-After)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/client/login")]
#[tracing::instrument(skip_all)]
pub async fn client_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let login = state.store.client_login_by_email(&body.email).await?;
    let stored = login.as_ref().map(|l| l.password_hash.clone());
    check_password(&state, &req, "client", &body, stored).await?;
    let login = login.ok_or(WRONG_CREDENTIALS)?;
    let client = state
        .store
        .client(login.client_id)
        .await?
        .ok_or(WRONG_CREDENTIALS)?;
    token(
        &state,
        Audience::MyAccount,
        client.id,
        client.first_name,
        None,
    )
    .await
}

/// Refreshes a session while it is used (WCAG 2.2.1): a new token for the
/// same session, valid [`jwt::TOKEN_TTL_SECONDS`] from now (the sliding
/// expiry), but never past [`jwt::SESSION_MAX_SECONDS`] after sign-in (the
/// absolute cap; `expires_in` then says how little is left, and the apps warn
/// before it ends). The old token stays valid until its own `exp`. Staff and
/// client tokens alike; `401 unauthorized` when the token is bad or its
/// session ended.
#[utoipa::path(
    tag = "auth", operation_id = "refresh_session",
    security(("staff" = []), ("client" = [])),
    responses(
        (status = 200, description = "A new token for the same session", body = TokenResponse),
        (status = 401, description = "unauthorized: no valid bearer token, or the session ended", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
#[tracing::instrument(skip_all)]
pub async fn refresh_session(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    const ENDED: ApiError = ApiError::Unauthorized(
        "this session has ended (signed out, timed out, or the account changed); sign in again",
    );
    let claims = crate::auth::any_token(&req)?;
    let audience = if claims.aud == Audience::Plus.as_str() {
        Audience::Plus
    } else {
        Audience::MyAccount
    };
    let sid = claims.sid.ok_or(ENDED)?;
    let now = state.clock.now();
    let started = state
        .store
        .session_started_at(sid, claims.sub, now)
        .await?
        .ok_or(ENDED)?;
    let expires_at = jwt::session_expiry(started, now);
    let extended = expires_at > now && state.store.extend_session(sid, expires_at).await?;
    // The new expiry, here at once (other instances hear it from PostgreSQL).
    state.auth_cache.forget_session(sid);
    if !extended {
        return Err(ENDED);
    }
    let expires_in = (expires_at - now).num_seconds();
    let access_token = state
        .jwt
        .issue(&Claims {
            sub: claims.sub,
            aud: audience.as_str().into(),
            iss: jwt::ISSUER.into(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            name: claims.name,
            role: claims.role,
            sid: Some(sid),
        })
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in,
    }))
}

/// Signs out: the session of the bearer token (staff or client) ends at once,
/// on every instance; the token is refused from then on (`401`). Answers
/// `204` also when the session had already ended.
#[utoipa::path(
    tag = "auth", operation_id = "logout",
    security(("staff" = []), ("client" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "unauthorized: no valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/logout")]
#[tracing::instrument(skip_all)]
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let claims = crate::auth::any_token(&req)?;
    if let Some(sid) = claims.sid {
        state
            .store
            .revoke_session(sid, claims.sub, state.clock.now())
            .await?;
        // Refused here at once (other instances hear it from PostgreSQL).
        state.auth_cache.forget_session(sid);
    }
    Ok(HttpResponse::NoContent().finish())
}
