//! The client's account ledger and the one place its figures are computed.
//!
//! Each client's account is an append-only list of [`LedgerEntry`]s: a charge
//! for each invoice's new charges, a payment for each payment that succeeded,
//! a refund for each refund that succeeded, a chargeback for each dispute
//! lost, and (from later issues) credits and adjustments. The balance, the
//! past due balance, the credit a client has, and which invoices are paid are
//! derived from that list here, by pure functions: nothing else computes them.
//!
//! **Sign convention.** An entry's `amount` is signed from the client's side:
//! above zero it raises what the client owes (a charge, a refund paid back to
//! the client, a chargeback, a debit adjustment); below zero it lowers it (a payment, a
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
    /// A dispute the client's bank won against a payment (a lost dispute,
    /// a chargeback): the disputed money went back to the cardholder, so the
    /// client owes it again. Above zero, once per payment.
    Chargeback,
}

impl EntryKind {
    /// Every kind, in the order they are documented.
    pub const ALL: [EntryKind; 6] = [
        EntryKind::Charge,
        EntryKind::Payment,
        EntryKind::Refund,
        EntryKind::Credit,
        EntryKind::Adjustment,
        EntryKind::Chargeback,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Charge => "charge",
            EntryKind::Payment => "payment",
            EntryKind::Refund => "refund",
            EntryKind::Credit => "credit",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Chargeback => "chargeback",
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

/// An open payment ([`crate::domain::PaymentStatus::is_open`]: `pending`,
/// `unknown`, or `requires_action` while the payer's bank asks them to
/// authenticate), as the account sees it:
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

/// An invoice's new charges, which its ledger charge records: its total minus
/// the balance it carries forward (past due collected, less credit applied),
/// which earlier entries already hold.
pub fn invoice_charges(total: Cents, carried_forward: Cents) -> Cents {
    total - carried_forward
}

/// The balance: the sum of the entries' signed amounts.
pub fn balance(entries: &[LedgerEntry]) -> Cents {
    entries.iter().map(|entry| entry.amount).sum()
}

/// The running balance after an entry of `amount` is appended to a ledger
/// whose balance was `before`: the store keeps it with each entry
/// (`ledger_entries.balance_after_cents`), so reading an account takes its
/// last entry instead of every entry. [`balance`] of the entries up to and
/// including an entry always equals its running balance (property-tested
/// here, and checked against the stores in the API tests).
pub fn balance_after(before: Cents, amount: Cents) -> Cents {
    before + amount
}

/// The account of a client with `entries`, while `open` payments wait for
/// their outcome: [`account_at`] of their [`balance`].
pub fn account(entries: &[LedgerEntry], open: &[OpenPayment]) -> Account {
    account_at(balance(entries), open)
}

/// The account of a client whose ledger's balance is `balance`, while `open`
/// payments wait for their outcome.
///
/// An open payment, once it succeeds, adds its invoice's charges and pays
/// them with the past due it collects minus the credit it applies: so the
/// balance then is today's minus (past due − credit) of each open payment.
/// Past due and credit are read from that balance, so a quote never collects
/// past due, nor applies credit, that an open payment already holds.
pub fn account_at(balance: Cents, open: &[OpenPayment]) -> Account {
    account_with_held(balance, open.iter().map(|p| p.past_due - p.credit).sum())
}

/// [`account_at`] with what the open payments hold already summed: `held`,
/// the sum of (past due − credit) over them (as the payer's link read sums
/// it in SQL, in the same statement as the link).
pub fn account_with_held(balance: Cents, held: Cents) -> Account {
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
        if entry.amount > Cents::ZERO || entry.kind == EntryKind::Charge {
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

/// An invoice's status as the API shows it: `void` when staff voided it,
/// else `paid` when [`paid_invoices`] counts it, else `open`.
pub fn invoice_status(invoice_id: Uuid, voided: bool, paid: &HashSet<Uuid>) -> &'static str {
    if voided {
        "void"
    } else if paid.contains(&invoice_id) {
        "paid"
    } else {
        "open"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{MonitorDays, PricePlan, Quote, TaxRate};
    use proptest::prelude::*;

    fn entry(
        id: i64,
        kind: EntryKind,
        amount: i64,
        invoice: Option<u128>,
        payment: Option<u128>,
    ) -> LedgerEntry {
        LedgerEntry {
            id,
            client_id: Uuid::nil(),
            kind,
            amount: Cents(amount),
            invoice_id: invoice.map(Uuid::from_u128),
            payment_id: payment.map(Uuid::from_u128),
            vehicle_id: None,
            at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn charge(id: i64, invoice: u128, amount: i64) -> LedgerEntry {
        entry(id, EntryKind::Charge, amount, Some(invoice), None)
    }

    fn payment(id: i64, invoice: u128, amount: i64) -> LedgerEntry {
        entry(
            id,
            EntryKind::Payment,
            -amount,
            Some(invoice),
            Some(1000 + u128::try_from(id).unwrap()),
        )
    }

    fn paid(entries: &[LedgerEntry]) -> Vec<u128> {
        let mut paid: Vec<u128> = paid_invoices(entries)
            .into_iter()
            .map(|i| i.as_u128())
            .collect();
        paid.sort_unstable();
        paid
    }

    #[test]
    fn the_kinds_read_back_as_stored() {
        for kind in EntryKind::ALL {
            assert_eq!(EntryKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EntryKind::parse("settlement"), None);
    }

    #[test]
    fn an_open_payment_holds_the_past_due_it_collects() {
        let entries = [charge(1, 1, 12_345)];
        let open = [OpenPayment {
            past_due: Cents(12_345),
            credit: Cents::ZERO,
        }];
        assert_eq!(account(&entries, &[]).past_due, Cents(12_345));
        let held = account(&entries, &open);
        assert_eq!((held.balance, held.past_due), (Cents(12_345), Cents::ZERO));
        // Once it succeeds, its own invoice and payment settle the balance.
        let done = [
            charge(1, 1, 12_345),
            charge(2, 2, 5_304),
            payment(3, 2, 17_649),
        ];
        assert_eq!(account(&done, &[]), Account::default());
    }

    #[test]
    fn an_invoice_added_while_a_payment_is_open_stays_past_due() {
        let entries = [charge(1, 1, 12_345), charge(2, 2, 5_304)];
        let open = [OpenPayment {
            past_due: Cents(12_345),
            credit: Cents::ZERO,
        }];
        assert_eq!(account(&entries, &open).past_due, Cents(5_304));
        assert!(quote_still_stands(
            &account(&entries, &open),
            Cents(5_304),
            Cents::ZERO
        ));
        assert!(!quote_still_stands(
            &account(&entries, &open),
            Cents(12_345),
            Cents::ZERO
        ));
    }

    #[test]
    fn a_credit_is_held_by_the_open_payment_that_applies_it() {
        let entries = [entry(1, EntryKind::Credit, -1_000, None, None)];
        assert_eq!(account(&entries, &[]).credit, Cents(1_000));
        let open = [OpenPayment {
            past_due: Cents::ZERO,
            credit: Cents(1_000),
        }];
        let held = account(&entries, &open);
        assert_eq!((held.credit, held.past_due), (Cents::ZERO, Cents::ZERO));
        assert!(!quote_still_stands(&held, Cents::ZERO, Cents(1_000)));
    }

    #[test]
    fn past_due_paid_by_a_payment_pays_the_oldest_invoices_and_its_own() {
        let entries = [
            charge(1, 1, 2_000),
            charge(2, 2, 3_000),
            charge(3, 3, 5_304),
            payment(4, 3, 5_304 + 2_000),
        ];
        assert_eq!(paid(&entries), vec![1, 3]);
    }

    #[test]
    fn a_payment_pays_its_own_invoice_first() {
        let entries = [
            charge(1, 1, 12_345),
            charge(2, 2, 5_304),
            payment(3, 2, 5_304),
        ];
        assert_eq!(paid(&entries), vec![2]);
    }

    #[test]
    fn a_credit_pays_the_next_charge() {
        let entries = [
            entry(1, EntryKind::Credit, -6_000, None, None),
            charge(2, 1, 5_304),
            charge(3, 2, 5_304),
        ];
        assert_eq!(paid(&entries), vec![1]);
        assert_eq!(balance(&entries), Cents(4_608));
    }

    #[test]
    fn a_refund_is_owed_again_before_later_charges_are_paid() {
        let entries = [
            charge(1, 1, 1_000),
            payment(2, 1, 1_000),
            entry(3, EntryKind::Refund, 1_000, None, Some(1002)),
            charge(4, 2, 500),
            entry(5, EntryKind::Credit, -1_000, None, None),
        ];
        // Invoice 1 stays paid; the credit pays the refund first, then half of invoice 2.
        assert_eq!(paid(&entries), vec![1]);
        assert_eq!(balance(&entries), Cents(500));
    }

    /// One operation on an account, as the product (and later refunds and
    /// credits) make them.
    #[derive(Clone, Debug)]
    enum Op {
        /// An invoice with new charges.
        Invoice(i64),
        /// A payment made for the latest invoice, of its charges plus `extra`
        /// (past due collected).
        PayLatest(i64),
        /// A payment tied to no invoice.
        Pay(i64),
        Refund(i64),
        Credit(i64),
        Adjustment(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0i64..50_000).prop_map(Op::Invoice),
            (0i64..20_000).prop_map(Op::PayLatest),
            (1i64..50_000).prop_map(Op::Pay),
            (1i64..20_000).prop_map(Op::Refund),
            (1i64..20_000).prop_map(Op::Credit),
            (-20_000i64..20_000).prop_map(Op::Adjustment),
        ]
    }

    /// The ledger the operations write, and each invoice's charge.
    fn ledger_of(ops: &[Op]) -> (Vec<LedgerEntry>, Vec<(u128, i64)>) {
        let mut entries = Vec::new();
        let mut invoices: Vec<(u128, i64)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 1;
            let new = match *op {
                Op::Invoice(amount) => {
                    let invoice = u128::try_from(id).unwrap();
                    invoices.push((invoice, amount));
                    charge(id, invoice, amount)
                }
                Op::PayLatest(extra) => match invoices.last() {
                    Some(&(invoice, amount)) if amount + extra > 0 => {
                        payment(id, invoice, amount + extra)
                    }
                    _ => continue,
                },
                Op::Pay(amount) => entry(
                    id,
                    EntryKind::Payment,
                    -amount,
                    None,
                    Some(u128::try_from(id).unwrap()),
                ),
                Op::Refund(amount) => entry(
                    id,
                    EntryKind::Refund,
                    amount,
                    None,
                    Some(u128::try_from(id).unwrap()),
                ),
                Op::Credit(amount) => entry(id, EntryKind::Credit, -amount, None, None),
                Op::Adjustment(amount) => entry(id, EntryKind::Adjustment, amount, None, None),
            };
            entries.push(new);
        }
        (entries, invoices)
    }

    fn sum_of(entries: &[LedgerEntry], kind: EntryKind) -> Cents {
        entries
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.amount)
            .sum()
    }

    proptest! {
        #[test]
        fn the_balance_is_charges_minus_payments_plus_refunds(ops in prop::collection::vec(op(), 0..40)) {
            let (entries, _) = ledger_of(&ops);
            let charges = sum_of(&entries, EntryKind::Charge);
            let payments = -sum_of(&entries, EntryKind::Payment);
            let refunds = sum_of(&entries, EntryKind::Refund);
            let credits = -sum_of(&entries, EntryKind::Credit);
            let adjustments = sum_of(&entries, EntryKind::Adjustment);
            prop_assert_eq!(balance(&entries), charges - payments + refunds - credits + adjustments);
            let account = account(&entries, &[]);
            prop_assert!(account.past_due >= Cents::ZERO && account.credit >= Cents::ZERO);
            prop_assert_eq!(account.past_due - account.credit, account.balance);
        }

        #[test]
        fn the_running_balance_of_each_entry_is_the_balance_up_to_it(ops in prop::collection::vec(op(), 0..40)) {
            let (entries, _) = ledger_of(&ops);
            let mut running = Cents::ZERO;
            for (i, entry) in entries.iter().enumerate() {
                running = balance_after(running, entry.amount);
                prop_assert_eq!(running, balance(&entries[..=i]));
            }
            let open = [OpenPayment { past_due: Cents(700), credit: Cents::ZERO }];
            prop_assert_eq!(account_at(running, &open), account(&entries, &open));
        }

        #[test]
        fn an_invoice_is_paid_exactly_when_allocations_cover_it(ops in prop::collection::vec(op(), 0..40)) {
            let (entries, invoices) = ledger_of(&ops);
            let paid = paid_invoices(&entries);
            let money_in: Cents = entries.iter().filter(|e| e.amount < Cents::ZERO).map(|e| -e.amount).sum();
            let debits: Cents = entries.iter().filter(|e| e.amount > Cents::ZERO).map(|e| e.amount).sum();
            let paid_charges: Cents = invoices
                .iter()
                .filter(|(i, _)| paid.contains(&Uuid::from_u128(*i)))
                .map(|(_, amount)| Cents(*amount))
                .sum();
            // Nothing is paid with money that did not come in.
            prop_assert!(paid_charges <= money_in);
            // Only invoices are reported, and an invoice charging nothing is paid.
            for invoice in &paid {
                prop_assert!(invoices.iter().any(|(i, _)| Uuid::from_u128(*i) == *invoice));
            }
            for (invoice, amount) in &invoices {
                if *amount == 0 {
                    prop_assert!(paid.contains(&Uuid::from_u128(*invoice)));
                }
            }
            // Enough money in pays everything.
            if money_in >= debits {
                prop_assert_eq!(paid.len(), invoices.len());
            }
        }

        #[test]
        fn money_not_made_for_an_invoice_pays_the_oldest_first(
            charges in prop::collection::vec(1i64..50_000, 0..20),
            payments in prop::collection::vec(1i64..50_000, 0..20),
        ) {
            let mut entries: Vec<LedgerEntry> = Vec::new();
            for (i, amount) in charges.iter().enumerate() {
                entries.push(charge(i64::try_from(i).unwrap(), i as u128, *amount));
            }
            for (i, amount) in payments.iter().enumerate() {
                entries.push(entry(100 + i64::try_from(i).unwrap(), EntryKind::Payment, -amount, None, Some(i as u128)));
            }
            let paid = paid_invoices(&entries);
            let funds: i64 = payments.iter().sum();
            // Paid invoices are the oldest ones, as many as the money covers in full.
            let mut covered = 0;
            let mut expected = 0;
            for amount in &charges {
                if covered + amount > funds {
                    break;
                }
                covered += amount;
                expected += 1;
            }
            prop_assert_eq!(paid.len(), expected);
            for i in 0..expected {
                prop_assert!(paid.contains(&Uuid::from_u128(i as u128)));
            }
        }

        #[test]
        fn a_credit_is_applied_to_the_next_quote_and_a_total_is_never_negative(
            ops in prop::collection::vec(op(), 0..30),
            fee in 0i64..100_000,
            ppm in 0i64..=200_000,
        ) {
            let (mut entries, _) = ledger_of(&ops);
            let before = account(&entries, &[]);
            let plan = PricePlan { daily_rate: None, price_14: Some(Cents(fee)), price_30: None };
            let quote = Quote::compute(
                &plan,
                TaxRate::from_ppm(ppm).unwrap(),
                MonitorDays::Fourteen,
                before.past_due,
                before.credit,
            ).unwrap();
            prop_assert!(quote.total_due_cents >= Cents::ZERO);
            prop_assert_eq!(
                quote.credit_cents,
                crate::domain::quote::credit_applied(
                    quote.subtotal_cents + quote.tax_cents + quote.past_due_cents,
                    before.credit,
                )
            );
            // Paying the quote records its invoice's charges and the payment:
            // the credit applied is used up, the rest is kept.
            let amounts = crate::domain::InvoiceAmounts::from_quote(&quote, true);
            let next = i64::try_from(entries.len()).unwrap() + 1;
            entries.push(charge(next, 999_999, amounts.charges().0));
            if quote.total_due_cents > Cents::ZERO {
                entries.push(payment(next + 1, 999_999, quote.total_due_cents.0));
            }
            let after = account(&entries, &[]);
            prop_assert_eq!(after.credit, before.credit - quote.credit_cents);
            prop_assert_eq!(after.past_due, Cents::ZERO);
            prop_assert!(paid_invoices(&entries).contains(&Uuid::from_u128(999_999)));
        }
    }
}
