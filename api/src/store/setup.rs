//! The database as a whole: migrations, health, demo data and the figures
//! `/metrics` publishes.

use super::{BusinessCounts, Result, SeedData};
use async_trait::async_trait;

/// Set-up and whole-database questions.
#[async_trait]
pub trait SetupStore: Send + Sync {
    /// Applies the migrations not applied yet.
    async fn migrate(&self) -> Result<()>;
    /// Cheap round trip for `/readyz`.
    async fn ping(&self) -> Result<()>;
    /// True when no staff user exists yet (a fresh database).
    async fn is_empty(&self) -> Result<bool>;
    /// Inserts a whole data set (demo data) in one transaction, with the
    /// ledger entries of its invoices.
    async fn seed(&self, data: &SeedData) -> Result<()>;
    /// Payments and links by status, SMS waiting to be sent, failed SMS by reason.
    async fn business_counts(&self) -> Result<BusinessCounts>;
}
