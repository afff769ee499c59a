//! Goodwill credits: credit staff grant a client (a device fault, a billing
//! mistake), recorded with who granted it and why. Its ledger entry is a
//! `credit` below zero ([`super::ledger::EntryKind::Credit`]) that the next
//! quote applies ([`super::quote::credit_applied`]).

use super::money::Cents;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// A goodwill credit granted by staff.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CreditGrant {
    pub id: Uuid,
    pub client_id: Uuid,
    /// The credit, in cents (above zero).
    #[schema(value_type = i64, example = 2500)]
    pub amount_cents: Cents,
    #[schema(example = "USD")]
    pub currency: String,
    #[schema(example = "Device fault: two days without monitoring")]
    pub reason: String,
    /// Who granted it: "Sam Supervisor (staff)".
    pub granted_by: String,
    pub created_at: DateTime<Utc>,
}

/// The key a goodwill credit is granted under (`credit_grants.grant_key`),
/// derived from who asked, their `Idempotency-Key` and the client: a retry
/// of the same request, even after a crash between the grant and the stored
/// answer, finds the grant already made.
pub fn grant_key(principal: &str, idempotency_key: &str, client_id: Uuid) -> String {
    let digest = Sha256::digest(format!("{principal}\n{idempotency_key}\n{client_id}").as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("grant_{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_key_names_who_asked_their_key_and_the_client() {
        let client = Uuid::from_u128(7);
        let key = grant_key("staff:1", "k1", client);
        assert_eq!(key, grant_key("staff:1", "k1", client));
        assert!(key.starts_with("grant_") && key.len() == 38);
        assert_ne!(key, grant_key("staff:2", "k1", client));
        assert_ne!(key, grant_key("staff:1", "k2", client));
        assert_ne!(key, grant_key("staff:1", "k1", Uuid::from_u128(8)));
    }
}
