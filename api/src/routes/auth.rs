use crate::auth::{jwt, password, Audience, Claims};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use actix_web::{post, web, HttpResponse};
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

/// Verifies on the blocking pool: argon2 is deliberately slow.
async fn check_password(password: String, stored: Option<String>) -> ApiResult<bool> {
    web::block(move || password::verify(&password, stored.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(e.into()))
}

fn token(
    state: &AppState,
    audience: Audience,
    sub: Uuid,
    name: String,
    role: Option<String>,
) -> ApiResult<HttpResponse> {
    let iat = state.clock.now().timestamp();
    let claims = Claims {
        sub,
        aud: audience.as_str().into(),
        iss: jwt::ISSUER.into(),
        iat,
        exp: iat + jwt::TOKEN_TTL_SECONDS,
        name,
        role,
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
    tag = "auth", operation_id = "staff_login", request_body = LoginRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/staff/login")]
#[tracing::instrument(skip_all)]
pub async fn staff_login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let staff = state.store.staff_by_email(&body.email).await?;
    if !check_password(
        body.password,
        staff.as_ref().map(|s| s.password_hash.clone()),
    )
    .await?
    {
        return Err(WRONG_CREDENTIALS);
    }
    let staff = staff.ok_or(WRONG_CREDENTIALS)?;
    token(
        &state,
        Audience::Plus,
        staff.id,
        staff.name,
        Some(staff.role),
    )
}

/// Client sign-in (My Account); the token's audience is `myaccount`.
#[utoipa::path(
    tag = "auth", operation_id = "client_login", request_body = LoginRequest,
    responses(
        crate::error::JsonBodyProblems,
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong email or password (the same answer for both)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/client/login")]
#[tracing::instrument(skip_all)]
pub async fn client_login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let login = state.store.client_login_by_email(&body.email).await?;
    if !check_password(
        body.password,
        login.as_ref().map(|l| l.password_hash.clone()),
    )
    .await?
    {
        return Err(WRONG_CREDENTIALS);
    }
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
}
