//! Secure payments for monitoring-device clients: quotes, payments, links.

pub mod app;
pub mod auth;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod docs;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod security;
pub mod seed;
pub mod services;
pub mod sms;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod text_input;
