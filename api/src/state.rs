//! The application state every handler, service and job is given.

use crate::auth::JwtKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::gateway::{PaymentGateway, SandboxGateway};
use crate::sms::{Sealer, SmsSender};
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::Notify;

/// What every request handler may use; adapters are chosen once, at start-up.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub jwt: JwtKeys,
    pub clock: Arc<Clock>,
    pub settings: Arc<Settings>,
    pub gateway: Arc<dyn PaymentGateway>,
    /// Set when the sandbox is the gateway: it also tokenizes cards.
    pub sandbox: Option<Arc<SandboxGateway>>,
    pub sms: Arc<dyn SmsSender>,
    pub sealer: Sealer,
    /// Wakes the outbox worker when a message is queued.
    pub outbox_wakeup: Notify,
    pub http_metrics: crate::metrics::HttpMetrics,
    /// Password checks, bounded (`LOGIN_VERIFICATIONS_AT_ONCE`).
    pub password_gate: crate::auth::throttle::PasswordGate,
    /// The sessions and API keys this instance checked; live only while the
    /// store tells it of changes made elsewhere (PostgreSQL's listener, which
    /// only the server starts: [`AppState::listen_for_auth_changes`]).
    pub auth_cache: Arc<crate::auth::cache::AuthCache>,
    /// The per-address limit of opening and redeeming payment links, in this
    /// instance's memory (`services::address_limits`).
    pub link_limits: crate::services::address_limits::PerAddress,
    /// The per-address limit of opening receipts, likewise.
    pub receipt_limits: crate::services::address_limits::PerAddress,
    /// The Content-Security-Policies of the responses (the SPAs' allows the company logo's origin).
    pub policies: crate::security::Policies,
}

impl AppState {
    pub fn new(
        settings: Settings,
        store: Arc<dyn Store>,
        clock: Arc<Clock>,
        adapters: crate::app::Adapters,
    ) -> AppState {
        let per_address = || {
            crate::services::address_limits::PerAddress::new(
                settings.link_rate_limit_per_minute,
                settings.link_rate_limit_addresses,
                clock.clone(),
            )
        };
        AppState {
            link_limits: per_address(),
            receipt_limits: per_address(),
            auth_cache: Arc::new(crate::auth::cache::AuthCache::default()),
            store,
            jwt: JwtKeys::new(&settings.jwt_secret),
            clock,
            gateway: adapters.gateway,
            sandbox: adapters.sandbox,
            sms: adapters.sms,
            sealer: Sealer::new(&settings.jwt_secret),
            outbox_wakeup: Notify::new(),
            http_metrics: Default::default(),
            password_gate: crate::auth::throttle::PasswordGate::new(
                settings.login_verifications_at_once,
            ),
            policies: crate::security::Policies::new(
                settings
                    .company_logo_url
                    .as_ref()
                    .and_then(|logo| logo.other_origin())
                    .as_deref(),
            ),
            settings: Arc::new(settings),
        }
    }

    /// Starts serving checked sessions and keys from [`Self::auth_cache`]
    /// while changes made elsewhere are heard (PostgreSQL's `LISTEN
    /// auth_changes`, in the background), unless `AUTH_CACHE_ENABLED=false`.
    /// For `serve` only: a one-off command checks no token and needs no
    /// listener.
    pub fn listen_for_auth_changes(&self) {
        if self.settings.auth_cache_enabled {
            self.store.watch_auth_changes(self.auth_cache.clone());
        }
    }
}
