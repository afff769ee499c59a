//! The client's account ledger: append-only entries, the one source of the
//! balance, past due, credit and which invoices are paid (computed by
//! [`crate::domain::ledger`]).

use super::{AppliedCredit, CreditApplication, NewLedgerEntry, Result};
use crate::domain::ledger::LedgerEntry;
use async_trait::async_trait;
use uuid::Uuid;

/// Clients' ledgers. An invoice's charge is written with the invoice (by
/// [`super::InvoiceStore::add_invoice`], [`super::SetupStore::seed`] and
/// [`super::PaymentStore::record_payment_outcome`]) and a payment's entry with
/// its recorded outcome, each in the same transaction.
#[async_trait]
pub trait LedgerStore: Send + Sync {
    /// A client's ledger, oldest entry first.
    async fn client_ledger(&self, client_id: Uuid) -> Result<Vec<LedgerEntry>>;
    /// Appends one entry on its own (a refund, a credit, an adjustment),
    /// under the client's lock so it is ordered after every entry written
    /// before it. Returns the entry as stored.
    async fn append_ledger_entry(&self, entry: &NewLedgerEntry) -> Result<LedgerEntry>;
    /// Pays a vehicle's period with the client's credit, in one transaction
    /// under the client's lock: refuses with [`StoreError::PastDueChanged`]
    /// when the account no longer has the credit the quote applies
    /// ([`crate::domain::ledger::quote_still_stands`]: another application or
    /// an open payment took it); else writes a paid invoice with the quote's
    /// lines (total zero: its ledger charge is paid by the credit), marks the
    /// open invoices the credit paid off, extends the vehicle's paid-through
    /// date exactly as a payment does ([`crate::domain::next_paid_through`])
    /// and writes the Client Log line. With `only_if_due_by`, it is refused
    /// the same way when the vehicle is paid through a later day. Refuses with
    /// [`StoreError::VehiclePaymentInProgress`] while a link's payment for the
    /// vehicle is open (it pays the same period).
    ///
    /// [`StoreError::PastDueChanged`]: super::StoreError::PastDueChanged
    /// [`StoreError::VehiclePaymentInProgress`]: super::StoreError::VehiclePaymentInProgress
    async fn apply_credit(&self, application: &CreditApplication) -> Result<AppliedCredit>;
}
