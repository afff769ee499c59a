//! Black-box API tests: one binary, the real app over HTTP.

mod account18;
mod api_keys;
mod appointments;
mod auth;
mod business_day;
mod cards;
mod client_log_words;
mod clients;
mod credit_refunds;
mod credits;
mod docs;
mod errors;
mod isolation;
mod jobs;
mod language;
mod ledger;
mod link_payers;
mod links;
mod my_links;
mod notices;
mod openapi;
mod outdated_links;
mod payments;
mod quote;
mod rate_limits;
mod receipts;
mod refunds;
mod roles;
mod sessions;
mod sms_opt_out;
mod sms_receipts;
#[path = "../support/mod.rs"]
mod support;
mod three_d_secure;
mod webhook_endpoints;
mod webhooks;
