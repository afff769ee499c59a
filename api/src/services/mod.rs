//! Services: the product's use cases, the layer between the HTTP handlers
//! (`routes/`) and the pure rules (`domain/`).
//!
//! A service function is one thing a user or a job does (take a payment,
//! send a payment link, redeem it, run Auto Pay, sync open payments). It
//! orchestrates the I/O the use case needs — the store, the payment gateway,
//! the SMS outbox, the clock — in the order that keeps money safe, and leaves
//! every rule of the business to a named domain function. It knows nothing of
//! HTTP: handlers extract and authorize the request, call one service
//! function, and turn its result (or its [`ApiError`](crate::error::ApiError))
//! into the answer. Jobs and the CLI call the same functions.
//!
//! Layers: `routes → services → domain → store`.

pub mod address_limits;
pub mod api_keys;
pub mod appointments;
pub mod autopay;
pub mod card_authentication;
pub mod cards;
pub mod clients;
pub mod credits;
pub mod jobs;
pub mod links;
pub mod notices;
pub mod payments;
pub mod quotes;
pub mod rate_limits;
pub mod receipts;
pub mod refunds;
pub mod sms_replies;
pub mod status_sync;
pub mod webhooks;
