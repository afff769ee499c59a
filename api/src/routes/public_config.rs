//! What the SPAs need to know before anyone signs in (gateway, support phone).

use crate::config::GatewaySettings;
use crate::state::AppState;
use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

/// What a browser app needs before it can take a card.
#[derive(Serialize, ToSchema)]
pub struct PublicConfig {
    /// `sandbox`: tokenize with `POST /sandbox/tokenize`; `stripe`: use Stripe Elements.
    #[schema(example = "sandbox")]
    pub gateway: String,
    /// Stripe's publishable key (only with the Stripe gateway).
    pub stripe_publishable_key: Option<String>,
    #[schema(example = "Monitoring Services")]
    pub company_name: String,
    #[schema(example = "(800) 555-0100")]
    pub support_phone: String,
    /// The company's logo for the secure payment page's header (`COMPANY_LOGO_URL`): an `https://` URL, or
    /// a path under `/my-account/`; null when none is configured (the page shows `company_name` in text).
    #[schema(example = "/my-account/logo.svg")]
    pub company_logo_url: Option<String>,
}

/// Public settings for the SPAs (no secrets).
#[utoipa::path(tag = "config", operation_id = "public_config", security(()), responses(
    (status = 200, body = PublicConfig),
    (status = 422, description = "validation_failed: a control character in the query string (refused for every request)", body = crate::error::Problem, content_type = "application/problem+json"),
))]
#[get("/config")]
pub async fn public_config(state: web::Data<AppState>) -> web::Json<PublicConfig> {
    let settings = &state.settings;
    let (gateway, stripe_publishable_key) = match &settings.gateway {
        GatewaySettings::Sandbox { .. } => ("sandbox", None),
        GatewaySettings::Stripe {
            publishable_key, ..
        } => ("stripe", publishable_key.clone()),
    };
    web::Json(PublicConfig {
        gateway: gateway.into(),
        stripe_publishable_key,
        company_name: settings.company_name.clone(),
        support_phone: settings.support_phone.clone(),
        company_logo_url: settings
            .company_logo_url
            .as_ref()
            .map(|logo| logo.as_str().to_owned()),
    })
}
