//! The SQL of every aggregate's store, written once for both databases.
//!
//! This folder is compiled twice: `postgres.rs` and `sqlite.rs` each include
//! it as their own `sql` module (`#[path = "sql/mod.rs"]`). There `Backend`
//! is the store struct (its `pool`, `relaxed` pool and `begin_write`
//! methods), `Db` its sqlx database, and `dialect` the few statements whose
//! SQL differs between the two; everything else is in the dialect both
//! databases share (`$n` parameters, lowercase SQL). Each file implements
//! one aggregate's trait from `store/`.

use super::{dialect, Backend, Db};

/// One connection of the backend's database; a transaction derefs to it.
type Connection = <Db as sqlx::Database>::Connection;

mod access;
mod api_keys;
mod cards;
mod client_log;
mod clients;
mod credits;
mod idempotency;
mod invoices;
mod ledger;
mod links;
mod outbox;
mod payments;
mod rate_limits;
mod receipts;
mod refunds;
mod setup;
