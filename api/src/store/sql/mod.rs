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

/// The account of the client of the payment link `l`, as columns of a
/// statement on `payment_links l` (a literal, for `concat!`):
/// `client_balance_cents`, their running balance (`ledger::BALANCE`; null
/// without entries), and `client_held_cents`, what their open payments and
/// open credit refunds hold (the sum of past due − credit over
/// `ledger::OPEN_PAYMENTS`: the same statuses, on the same partial indexes).
/// `domain::ledger::account_with_held` makes the account of them, as
/// `ledger::account` does of its two reads.
macro_rules! link_client_account {
    () => {
        concat!(
            "(select e.balance_after_cents from ledger_entries e where e.client_id = l.client_id \
            order by e.id desc limit 1) as client_balance_cents, \
        cast(coalesce((select sum(p.past_due_cents - p.credit_cents) from payments p \
            where p.client_id = l.client_id \
            and p.status in ",
            crate::open_payment_statuses_sql!(),
            "), 0) \
          - coalesce((select sum(r.amount_cents) from refunds r \
            where r.client_id = l.client_id and r.source = 'credit' \
            and r.status in ('pending', 'unknown')), 0) as bigint) as client_held_cents "
        )
    };
}

mod access;
mod api_keys;
mod cards;
mod client_log;
mod clients;
mod credits;
mod idempotency;
mod invoices;
mod jobs;
mod ledger;
mod links;
mod notices;
mod outbox;
mod payments;
mod rate_limits;
mod receipts;
mod refunds;
mod setup;
mod webhooks;

/// The statements on the paths of every request that pays or opens a link
/// or quotes (those the load bench drives), each with a `where` clause.
/// `sqlite.rs`'s tests check that none reads a whole table: a table such as
/// the SMS outbox keeps the company's whole history.
#[cfg(test)]
#[allow(dead_code)] // postgres.rs compiles this folder too, and does not use it
pub(super) fn hot_queries() -> Vec<(&'static str, String)> {
    vec![
        ("session_active", access::SESSION_ACTIVE.to_owned()),
        ("client_with_vehicle", clients::CLIENT_VEHICLE.to_owned()),
        ("balance", ledger::BALANCE.to_owned()),
        ("open_payments", ledger::OPEN_PAYMENTS.to_owned()),
        (
            "link_by_id",
            format!("{}where l.id = $1", links::LINK_SELECT),
        ),
        (
            "link_by_token",
            format!("{}where l.token_hash = $1", links::LINK_SELECT),
        ),
        ("link_for_payer", links::PAYER_LINK.to_owned()),
        ("claim_link", links::CLAIM.to_owned()),
        (
            "payment",
            format!("{}where p.id = $1", payments::PAYMENT_SELECT),
        ),
        ("payment_outcome", payments::OUTCOME_SELECT.to_owned()),
        ("link_guard", payments::LINK_GUARD.to_owned()),
        (
            "open_link_payments_for_vehicle",
            payments::OPEN_LINK_PAYMENTS_FOR_VEHICLE.to_owned(),
        ),
        (
            "open_link_payments_and_key",
            payments::OPEN_LINK_PAYMENTS_AND_KEY.to_owned(),
        ),
        ("open_invoices", payments::OPEN_INVOICES.to_owned()),
        ("rate_limit_hit", rate_limits::HIT.to_owned()),
        (
            "webhook_deliveries_of_two_events",
            webhooks::insert_deliveries_sql(2),
        ),
        (
            "receipt_by_reference",
            format!("{}where r.reference_hash = $1", receipts::RECEIPT_SELECT),
        ),
    ]
}
