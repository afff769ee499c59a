//! HTTP handlers: extract, authorize, call the domain, answer. One file per resource.

pub mod auth;
pub mod clients;
pub mod health;
pub mod me;
pub mod quote;

use actix_web::web;

/// Every `/api/v1` route.
pub fn api_v1(cfg: &mut web::ServiceConfig) {
    cfg.service(auth::staff_login)
        .service(auth::client_login)
        .service(clients::search_clients)
        .service(clients::get_client)
        .service(me::get_me)
        .service(quote::quote_summary);
}
