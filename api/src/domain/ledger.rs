//! The client's account ledger and the one place its figures are computed.
//!
//! Each client's account is an append-only list of [`LedgerEntry`]s: a charge
//! for each invoice's new charges, a payment for each payment that succeeded,
//! and (from later issues) refunds, credits and adjustments. The balance, the
//! past due balance, the credit a client has, and which invoices are paid are
//! derived from that list here, by pure functions: nothing else computes them.
//!
//! **Sign convention.** An entry's `amount` is signed from the client's side:
//! above zero it raises what the client owes (a charge, a refund paid back to
//! the client, a debit adjustment); below zero it lowers it (a payment, a
//! credit, a credit adjustment). The balance is the sum of the amounts: above
//! zero the client owes it, below zero it is their credit.

use super::money::Cents;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What an entry records. Stored as its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// The new charges of an invoice (never the past due it carries forward,
    /// which was charged by an earlier invoice). Above zero.
    Charge,
    /// A payment that succeeded. Below zero.
    Payment,
    /// Money given back to the client for a payment. Above zero.
    Refund,
    /// Credit granted to the client (an overpayment kept, a goodwill credit).
    /// Below zero.
    Credit,
    /// A correction by staff, either sign.
    Adjustment,
}

impl EntryKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [EntryKind; 5] = [
        EntryKind::Charge,
        EntryKind::Payment,
        EntryKind::Refund,
        EntryKind::Credit,
        EntryKind::Adjustment,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Charge => "charge",
            EntryKind::Payment => "payment",
            EntryKind::Refund => "refund",
            EntryKind::Credit => "credit",
            EntryKind::Adjustment => "adjustment",
        }
    }

    /// The kind stored as `kind`, if it is one.
    pub fn parse(kind: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }
}

/// One line of a client's account. Entries are never changed or removed; a
/// mistake is corrected by another entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry {
    /// The entry's place in the ledger: later entries have higher ids.
    pub id: i64,
    pub client_id: Uuid,
    pub kind: EntryKind,
    /// Signed cents, see the module's sign convention.
    pub amount: Cents,
    /// The invoice a charge bills, or the invoice a payment was made for.
    pub invoice_id: Option<Uuid>,
    /// The payment a payment or refund entry comes from.
    pub payment_id: Option<Uuid>,
    /// The vehicle the entry concerns, when there is one.
    pub vehicle_id: Option<Uuid>,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
}

/// A payment still waiting for the gateway's outcome, as the account sees it:
/// the past due balance its quote collects and the credit its quote applies.
/// Both are reserved for it until it succeeds or fails, so no other payment
/// collects or applies them too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenPayment {
    pub past_due: Cents,
    pub credit: Cents,
}

/// The figures of one client's account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Account {
    /// The sum of the entries: above zero owed, below zero credit.
    pub balance: Cents,
    /// What a new quote collects as past due: the balance as it will be once
    /// the open payments succeed, when above zero; else zero.
    pub past_due: Cents,
    /// What a new quote may apply as credit: minus that same balance, when
    /// below zero; else zero.
    pub credit: Cents,
}

/// The balance: the sum of the entries' signed amounts.
pub fn balance(entries: &[LedgerEntry]) -> Cents {
    entries.iter().map(|entry| entry.amount).sum()
}

/// The account of a client with `entries`, while `open` payments wait for
/// their outcome.
///
/// An open payment, once it succeeds, adds its invoice's charges and pays
/// them with the past due it collects minus the credit it applies: so the
/// balance then is today's minus (past due − credit) of each open payment.
/// Past due and credit are read from that balance, so a quote never collects
/// past due, nor applies credit, that an open payment already holds.
pub fn account(entries: &[LedgerEntry], open: &[OpenPayment]) -> Account {
    let balance = balance(entries);
    let held: Cents = open.iter().map(|p| p.past_due - p.credit).sum();
    let after_open = balance - held;
    Account {
        balance,
        past_due: after_open.max(Cents::ZERO),
        credit: (-after_open).max(Cents::ZERO),
    }
}

/// Whether a new payment's quote still stands against `account` (its open
/// payments already counted): the past due it collects is still owed, and the
/// credit it applies is still the client's. A payment that collects and
/// applies neither always stands.
pub fn quote_still_stands(account: &Account, past_due: Cents, credit: Cents) -> bool {
    account.past_due >= past_due && account.credit >= credit
}

/// The invoices whose charges are covered, among those that `entries` charge.
///
/// Allocation: a payment pays the invoice it was made for first; what is left
/// of it, and every credit, pays the oldest unpaid charges first, and what is
/// still left waits for the next charge. A refund or a debit adjustment is
/// owed like a charge without an invoice: money waiting is taken first, and
/// later money pays it in its turn. An invoice is paid when what was allocated
/// to it covers its charge; an allocation is never taken back.
pub fn paid_invoices(entries: &[LedgerEntry]) -> HashSet<Uuid> {
    // Unpaid debits, oldest first: (invoice, what is left to pay).
    let mut unpaid: Vec<(Option<Uuid>, Cents)> = Vec::new();
    let mut charged: HashMap<Uuid, Cents> = HashMap::new();
    let mut waiting = Cents::ZERO;
    for entry in entries {
        if entry.amount > Cents::ZERO {
            if let (EntryKind::Charge, Some(invoice)) = (entry.kind, entry.invoice_id) {
                *charged.entry(invoice).or_insert(Cents::ZERO) += entry.amount;
            }
            let invoice = match entry.kind {
                EntryKind::Charge => entry.invoice_id,
                _ => None,
            };
            let from_waiting = waiting.min(entry.amount);
            waiting -= from_waiting;
            unpaid.push((invoice, entry.amount - from_waiting));
        } else {
            let mut money = -entry.amount;
            if let (EntryKind::Payment, Some(invoice)) = (entry.kind, entry.invoice_id) {
                for (_, left) in unpaid.iter_mut().filter(|(i, _)| *i == Some(invoice)) {
                    let paid = money.min(*left);
                    *left -= paid;
                    money -= paid;
                }
            }
            for (_, left) in unpaid.iter_mut() {
                let paid = money.min(*left);
                *left -= paid;
                money -= paid;
            }
            waiting += money;
        }
        unpaid.retain(|(invoice, left)| *left > Cents::ZERO || invoice.is_some());
    }
    let mut paid: HashSet<Uuid> = charged.into_keys().collect();
    for (invoice, left) in unpaid {
        if let Some(invoice) = invoice.filter(|_| left > Cents::ZERO) {
            paid.remove(&invoice);
        }
    }
    paid
}
