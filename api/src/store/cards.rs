//! Cards on file: what the gateway charges, and what staff and clients see.

use super::{CardRemoval, ChargeableCard, KeptCard, NewCard, NewLogEntry, Result};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A client's cards on file (the gateway's token, brand, last 4, expiry).
#[async_trait]
pub trait CardStore: Send + Sync {
    /// A client's card on file with the reference the gateway charges.
    async fn chargeable_card(
        &self,
        client_id: Uuid,
        card_id: Uuid,
    ) -> Result<Option<ChargeableCard>>;
    /// Keeps a card on file and logs it, in one transaction; a card the
    /// client has on file already ([`crate::domain::is_same_card`]) is
    /// answered instead, and nothing is written or logged.
    async fn add_card(
        &self,
        card: &NewCard,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<KeptCard>;
    /// Removes a card on file and logs it; a card Auto Pay uses stays.
    async fn remove_card(
        &self,
        client_id: Uuid,
        card_id: Uuid,
        log: &NewLogEntry,
        now: DateTime<Utc>,
    ) -> Result<CardRemoval>;
}
