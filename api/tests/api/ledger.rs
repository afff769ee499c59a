//! The client's account ledger: the migration that builds it from invoices
//! and payments, and a client's credit in their next quote.

use crate::support::*;
use payments_api::domain::ledger::{self, EntryKind};
use payments_api::domain::{Cents, ChargeParams, PaymentMethod, Quote};
use payments_api::store::{NewLedgerEntry, NewPayment, Store};
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

const CLIENTS: [Uuid; 4] = [DANA, ELLIS, MORGAN, RILEY];

/// What migration 0008 replaced: each client's balance and past due balance as
/// the SQL before it computed them, from invoices and payments alone
/// (`owed!` and `past_due!` in the old `store/sql.rs`).
async fn figures_before_the_ledger(app: &TestApp) -> BTreeMap<Uuid, (i64, i64)> {
    let invoiced: Vec<(Uuid, i64)> = query_rows(
        app,
        "select client_id, cast(sum(total_cents - past_due_cents) as bigint) from invoices \
        where status <> 'void' group by client_id",
    )
    .await;
    let succeeded: Vec<(Uuid, i64)> = query_rows(
        app,
        "select client_id, cast(sum(amount_cents) as bigint) from payments \
        where status = 'succeeded' group by client_id",
    )
    .await;
    let reserved: Vec<(Uuid, i64)> = query_rows(
        app,
        "select client_id, cast(sum(past_due_cents) as bigint) from payments \
        where status in ('pending', 'unknown') group by client_id",
    )
    .await;
    let of = |rows: &[(Uuid, i64)], client: Uuid| {
        rows.iter()
            .find(|(id, _)| *id == client)
            .map_or(0, |(_, cents)| *cents)
    };
    CLIENTS
        .into_iter()
        .map(|client| {
            let owed = of(&invoiced, client) - of(&succeeded, client);
            (client, (owed, owed - of(&reserved, client)))
        })
        .collect()
}

/// Takes the database back to the schema before migration 0008, keeping its
/// invoices and payments, so that `migrate` applies 0008 to them (and 0012,
/// which backfills the running balances of the entries 0008 writes).
async fn undo_the_ledger_migration(app: &TestApp) {
    let statements: &[&str] = if on_postgres(app) {
        &[
            "drop table ledger_entries",
            "drop function ledger_entries_append_only()",
            "alter table payments drop column credit_cents",
            "alter table invoice_lines drop constraint invoice_lines_kind_check",
            "alter table invoice_lines add constraint invoice_lines_kind_check \
            check (kind in ('monitoring', 'past_due', 'tax'))",
            "delete from _sqlx_migrations where version = 8",
            "drop index payments_open_client_idx",
            "delete from _sqlx_migrations where version = 12",
        ]
    } else {
        &[
            "drop table ledger_entries",
            "alter table payments drop column credit_cents",
            "delete from _sqlx_migrations where version = 8",
            "drop index payments_open_client_idx",
            "delete from _sqlx_migrations where version = 12",
        ]
    };
    for statement in statements {
        execute_sql(app, statement).await;
    }
}

/// Every entry's stored running balance is the domain's balance of the
/// client's entries up to it.
pub(crate) async fn assert_running_balances(app: &TestApp) {
    let rows: Vec<(Uuid, i64, i64)> = query_rows(
        app,
        "select client_id, amount_cents, balance_after_cents from ledger_entries order by id",
    )
    .await;
    assert!(!rows.is_empty());
    let mut balances: BTreeMap<Uuid, Cents> = BTreeMap::new();
    for (client, amount, stored) in rows {
        let running = balances.entry(client).or_insert(Cents::ZERO);
        *running = ledger::balance_after(*running, Cents(amount));
        assert_eq!(*running, Cents(stored), "client {client}");
    }
}

/// A client's ledger without its ids and instants: what it records.
async fn ledger_of(
    store: &dyn Store,
    client: Uuid,
) -> Vec<(&'static str, Cents, Option<Uuid>, Option<Uuid>)> {
    let mut entries: Vec<_> = store
        .client_ledger(client)
        .await
        .expect("ledger")
        .into_iter()
        .map(|e| (e.kind.as_str(), e.amount, e.invoice_id, e.payment_id))
        .collect();
    entries.sort();
    entries
}

/// A payment written but not yet sent to the gateway, collecting Riley's
/// past due.
async fn a_pending_payment_for_riley(app: &TestApp, token: &str) {
    let quote: Quote =
        serde_json::from_value(app.quote(token, RILEY, RILEY_WRANGLER, 14).await.body)
            .expect("quote");
    assert!(quote.past_due_cents > Cents::ZERO, "{quote:?}");
    let payment = NewPayment {
        id: Uuid::new_v4(),
        client_id: RILEY,
        vehicle_id: RILEY_WRANGLER,
        payment_link_id: None,
        method: PaymentMethod::NewCard,
        card_id: None,
        card_brand: None,
        card_last4: None,
        gateway_key: key(),
        quote,
        charge_params: ChargeParams {
            single_use: true,
            source: "tok_pending".into(),
            description: "Monitoring".into(),
            off_session: false,
            save_to_customer: None,
        },
        initiated_by: "Sam Supervisor (staff)".into(),
        terms_version: None,
        expected_paid_through: None,
        now: app.clock.now(),
    };
    app.store
        .insert_payment(&payment)
        .await
        .expect("pending payment");
}

#[tokio::test]
async fn migrating_to_the_ledger_keeps_every_clients_balance_and_past_due() {
    let app = spawn_app().await;
    let staff = app.staff_token(&SUPERVISOR_LOGIN).await;
    let dana = app.client_token().await;
    // Dana: a payment whose answer was lost collects her past due (unknown),
    // a card declined for her F150 (failed), one that succeeds.
    let lost_card = app.tokenize("4000000000000119").await;
    let lost = app
        .make_payment(&dana, &key(), json!({ "payment_token": lost_card }))
        .await;
    assert_eq!(lost.status, 202, "{}", lost.body);
    let declined_card = app.tokenize("4000000000000002").await;
    let body =
        json!({ "vehicle_id": DANA_F150, "monitor_days": 14, "payment_token": declined_card });
    let declined = app
        .post_idempotent("/me/payments", Some(&dana), &key(), &body)
        .await;
    assert_eq!(declined.code(), "card_declined", "{}", declined.body);
    let paid = app
        .take_payment_for(&staff, &key(), DANA, DANA_F150, 14, DANA_VISA)
        .await;
    assert_eq!(paid.status, 201, "{}", paid.body);
    // Morgan: an invoice added by staff, then paid off with the next payment.
    // Riley: an invoice added by staff, collected by a pending payment.
    for (client, vehicle) in [(MORGAN, MORGAN_OUTBACK), (RILEY, RILEY_WRANGLER)] {
        let added = app
            .post_idempotent(
                &format!("/clients/{client}/invoices"),
                Some(&staff),
                &key(),
                &json!({ "vehicle_id": vehicle, "monitor_days": 14 }),
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.body);
    }
    let morgan = app
        .take_payment_for(
            &staff,
            &key(),
            MORGAN,
            MORGAN_OUTBACK,
            14,
            MORGAN_MASTERCARD,
        )
        .await;
    assert_eq!(morgan.status, 201, "{}", morgan.body);
    a_pending_payment_for_riley(&app, &staff).await;
    let statuses: Vec<(String,)> =
        query_rows(&app, "select status from payments order by status").await;
    assert_eq!(
        statuses.into_iter().map(|(s,)| s).collect::<Vec<_>>(),
        ["failed", "pending", "succeeded", "succeeded", "unknown"]
    );

    let before = figures_before_the_ledger(&app).await;
    let mut ledgers_written = BTreeMap::new();
    for client in CLIENTS {
        ledgers_written.insert(client, ledger_of(app.store.as_ref(), client).await);
    }
    let invoice_statuses: Vec<(Uuid, String)> =
        query_rows(&app, "select id, status from invoices").await;

    assert_running_balances(&app).await;
    undo_the_ledger_migration(&app).await;
    let store = payments_api::store::connect(&database_url(&app))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate to 0008");

    for client in CLIENTS {
        let entries = store.client_ledger(client).await.expect("ledger");
        let account = store.client(client).await.expect("client").expect("exists");
        let (balance, past_due) = before[&client];
        assert_eq!(
            (ledger::balance(&entries), account.past_due_cents),
            (Cents(balance), Cents(past_due.max(0))),
            "client {client}: balance and past due"
        );
        assert_eq!(account.credit_cents, Cents::ZERO);
        assert_eq!(
            ledger_of(store.as_ref(), client).await,
            ledgers_written[&client],
            "client {client}: the backfill writes what the live code writes"
        );
        for invoice in store.client_invoices(client).await.expect("invoices") {
            let (_, stored) = invoice_statuses
                .iter()
                .find(|(id, _)| *id == invoice.id)
                .expect("invoice");
            assert_eq!(&invoice.status, stored, "invoice {}", invoice.number);
        }
    }
    assert_running_balances(&app).await;
    assert_eq!(
        before.values().copied().collect::<Vec<_>>(),
        // Dana owes her overdue invoice, held by the lost payment; Riley owes
        // the added invoice, held by the pending payment; Morgan paid it off.
        [(10_284, 0), (0, 0), (0, 0), (5_304, 0)],
        "the data covers each case"
    );
}

#[tokio::test]
async fn a_credit_is_applied_to_the_next_quote_and_used_up_by_its_payment() {
    let app = spawn_app().await;
    let staff = app.agent_token().await;
    app.store
        .append_ledger_entry(&NewLedgerEntry {
            client_id: MORGAN,
            kind: EntryKind::Credit,
            amount: Cents(-1_000),
            invoice_id: None,
            payment_id: None,
            vehicle_id: None,
            at: app.clock.now(),
        })
        .await
        .expect("credit");
    let client = app
        .get(&format!("/api/v1/clients/{MORGAN}"), Some(&staff))
        .await;
    assert_eq!(
        (
            client.body["credit_cents"].as_i64(),
            client.body["past_due_cents"].as_i64()
        ),
        (Some(1_000), Some(0)),
        "{}",
        client.body
    );

    let quote = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    let credit_line = quote["lines"].as_array().expect("lines").last().cloned();
    assert_eq!(
        credit_line.map(|l| (l["kind"].clone(), l["amount_cents"].clone())),
        Some((json!("credit"), json!(-1_000)))
    );
    assert_eq!(quote["credit_cents"], 1_000);
    let total = quote["total_due_cents"].as_i64().expect("total");
    assert_eq!(
        total,
        quote["subtotal_cents"].as_i64().expect("subtotal")
            + quote["tax_cents"].as_i64().expect("tax")
            - 1_000
    );

    let paid = app
        .take_payment_for(
            &staff,
            &key(),
            MORGAN,
            MORGAN_OUTBACK,
            14,
            MORGAN_MASTERCARD,
        )
        .await;
    assert_eq!(
        (paid.status, paid.body["amount_cents"].as_i64()),
        (201, Some(total)),
        "{}",
        paid.body
    );
    let history = app.account_history(&staff, MORGAN).await;
    assert_eq!(history["invoices"][0]["status"], "paid");
    assert_eq!(history["invoices"][0]["lines"], quote["lines"]);
    let next = app.quote(&staff, MORGAN, MORGAN_OUTBACK, 14).await.body;
    assert_eq!(
        (
            next["credit_cents"].as_i64(),
            next["lines"].as_array().map(Vec::len)
        ),
        (Some(0), Some(3)),
        "the credit is used up: {next}"
    );
    assert_running_balances(&app).await;
}
