//! Who is calling: JWT bearer tokens for staff (audience `plus`) and clients
//! (audience `myaccount`), as actix extractors.

pub mod jwt;
pub mod password;
pub mod roles;
pub mod throttle;

pub use jwt::{Audience, Claims, JwtKeys};
pub use roles::{permits, Can, Permission};

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};
use std::future::{ready, Ready};
use uuid::Uuid;

/// A signed-in staff member (PLUS Web).
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: Uuid,
    pub name: String,
    pub role: String,
}

/// A signed-in client (My Account); they see only their own records.
#[derive(Clone, Debug)]
pub struct ClientUser {
    pub client_id: Uuid,
    pub name: String,
}

fn claims(req: &HttpRequest, audience: Audience) -> Result<Claims, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized(
            "sign in first: this request needs a Bearer token",
        ))?;
    state
        .jwt
        .verify(token.trim(), audience)
        .ok_or(ApiError::Unauthorized(
            "the access token is invalid, expired or not for this application",
        ))
}

/// The staff member signed in on `req`. Not an extractor on its own: staff
/// handlers take [`Can`], which also checks the role.
fn staff(req: &HttpRequest) -> Result<Staff, ApiError> {
    claims(req, Audience::Plus).map(|c| Staff {
        id: c.sub,
        name: c.name,
        role: c.role.unwrap_or_default(),
    })
}

impl FromRequest for ClientUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(claims(req, Audience::MyAccount).map(|c| ClientUser {
            client_id: c.sub,
            name: c.name,
        }))
    }
}

impl Staff {
    pub fn actor(&self) -> crate::domain::Actor {
        crate::domain::Actor::Staff {
            id: self.id,
            name: self.name.clone(),
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

/// Either kind of caller, for endpoints both apps use (quote summary).
#[derive(Clone, Debug)]
pub enum Caller {
    Staff(Staff),
    Client(ClientUser),
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if let Ok(staff) = staff(req) {
            return ready(Ok(Caller::Staff(staff)));
        }
        ready(
            ClientUser::from_request(req, payload)
                .into_inner()
                .map(Caller::Client),
        )
    }
}
