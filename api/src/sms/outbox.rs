//! The outbox worker: sends queued SMS with bounded retries. Every API
//! instance runs one; a message is claimed by one worker at a time (a lease,
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL), so none is sent twice.

use super::{SmsError, SmsMessage, ValidityPeriod};
use crate::domain::{SmsFailure, SmsFailureReason};
use crate::state::AppState;
use crate::store::{OutboxMessage, OutboxResult, StoreError};
use chrono::Duration;

/// Attempts before a message is given up on.
pub const MAX_ATTEMPTS: i64 = 5;
/// How long a worker may hold a claimed message before another may take it.
const LEASE: Duration = Duration::seconds(60);

/// Wait before attempt `attempts + 1`: 5 s, 10 s, 20 s, 40 s.
fn backoff(attempts: i64) -> Duration {
    Duration::seconds(5 * (1 << attempts.clamp(1, 4).saturating_sub(1)))
}

/// Sends what is due now; returns how many messages were handled.
pub async fn drain(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let messages = state.store.claim_outbox(now, now + LEASE, 20).await?;
    let count = messages.len();
    for message in messages {
        let result = attempt(state, &message).await;
        if let OutboxResult::Failed { error, .. } | OutboxResult::Retry { error, .. } = &result {
            tracing::warn!(sms_id = %message.id, attempts = message.attempts, %error, "SMS not sent");
        }
        state
            .store
            .finish_outbox(message.id, &result, state.clock.now())
            .await?;
    }
    Ok(count)
}

/// One attempt at sending `message`. A message that carries a payment link
/// goes out only while the link can still be paid (not revoked, replaced,
/// paid or expired), and tells the provider
/// to drop it rather than deliver it after the link has expired: the outbox
/// may send late, after retries or while the provider was down.
async fn attempt(state: &AppState, message: &OutboxMessage) -> OutboxResult {
    let now = state.clock.now();
    if message.link_closed {
        return OutboxResult::Failed {
            error: "the payment link was revoked or paid before its text could be sent".into(),
            failure: SmsFailure::ours(SmsFailureReason::LinkClosed),
        };
    }
    let validity = match message.link_expires_at {
        None => None,
        Some(expires_at) => match ValidityPeriod::until(expires_at, now) {
            Some(validity) => Some(validity),
            None => {
                return OutboxResult::Failed {
                    error: "the payment link expired before its text could be sent".into(),
                    failure: SmsFailure::ours(SmsFailureReason::LinkExpired),
                }
            }
        },
    };
    let Some(body) = state.sealer.open(&message.body_sealed) else {
        return OutboxResult::Failed {
            error: "message body cannot be unsealed (server secret changed?)".into(),
            failure: SmsFailure::ours(SmsFailureReason::Other),
        };
    };
    let callback = state.settings.sms_status_callback_url();
    let sms = SmsMessage {
        to: &message.to_phone,
        body: &body,
        status_callback: callback.as_deref(),
        validity,
    };
    match state.sms.send(&sms).await {
        Ok(receipt) => OutboxResult::Accepted {
            provider_id: receipt.provider_id,
            status: receipt.status,
        },
        Err(SmsError::Retryable(error)) if message.attempts < MAX_ATTEMPTS => OutboxResult::Retry {
            error,
            next_attempt_at: state.clock.now() + backoff(message.attempts),
        },
        Err(SmsError::Retryable(error)) => OutboxResult::Failed {
            error,
            failure: SmsFailure::ours(SmsFailureReason::ProviderUnavailable),
        },
        Err(SmsError::Permanent {
            error,
            provider_code,
        }) => OutboxResult::Failed {
            error,
            // Twilio is the one provider that refuses messages (with its codes).
            failure: SmsFailure::from_twilio(provider_code),
        },
    }
}

/// Runs [`drain`] whenever woken (a link was just queued) and every
/// `OUTBOX_POLL_INTERVAL_MS` (for retries that have come due).
pub fn spawn_worker(state: actix_web::web::Data<AppState>) {
    let poll = std::time::Duration::from_millis(
        u64::try_from(state.settings.outbox_poll_interval_ms).unwrap_or(1000),
    );
    tokio::spawn(async move {
        loop {
            match drain(&state).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "SMS outbox worker failed; retrying"),
            }
            let _ = tokio::time::timeout(poll, state.outbox_wakeup.notified()).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_and_stop() {
        let waits: Vec<i64> = (1..=4).map(|a| backoff(a).num_seconds()).collect();
        assert_eq!(waits, [5, 10, 20, 40]);
        assert_eq!(MAX_ATTEMPTS, 5);
    }
}
