//! Secure payments for monitoring-device clients: quotes, payments, links.

pub mod app;
pub mod auth;
pub mod autopay;
pub mod card_authentication;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod docs;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod metrics;
pub mod openapi;
pub mod payments;
pub mod rate_limit;
pub mod routes;
pub mod security;
pub mod seed;
pub mod sms;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod text_input;
