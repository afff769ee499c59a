//! Black-box API tests: one binary, the real app over HTTP.

mod auth;
mod clients;
mod errors;
mod helpers;
mod links;
mod openapi;
mod payments;
mod quote;
mod webhooks;
