//! The per-address limits of the payer's pages (opening and redeeming a link,
//! opening a receipt), counted in this instance's memory: a keyed GCRA
//! limiter (the `governor` crate) per kind of request, on the app's
//! [`Clock`].
//!
//! Why in memory: opening a link is the payer's most frequent request, and a
//! counter row per visitor in the database was most of its cost (issue 16,
//! item 8). These limits are an abuse brake on page views, not a guard on
//! money or on a third party (those stay in the database, shared by every
//! instance: `services::rate_limits`). The price: each instance counts on its
//! own, so N instances allow N × the limit; the edge's `limit_req`
//! (`deploy/nginx.conf`) bounds the total (docs/security.md).
//!
//! Memory is bounded: at most `LINK_RATE_LIMIT_ADDRESSES` addresses are
//! tracked per kind; an address seen while that many are tracked is counted
//! in the database bucket instead ([`Checked::Untracked`]), so a flood from
//! many addresses is still limited. Addresses whose allowance is full again
//! are forgotten by [`PerAddress::forget_idle`], which every instance runs
//! from its scheduler (and the `purge` job).

use crate::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::state::StateStore;
use governor::{Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// The app's [`Clock`] as governor's clock: nanoseconds since the Unix
/// epoch, so that tests that freeze and move the app's clock move the
/// limiters' time too.
#[derive(Clone, Debug)]
pub struct AppClock(pub Arc<Clock>);

impl governor::clock::Clock for AppClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let now = self.0.now();
        let nanos = now.timestamp_nanos_opt().unwrap_or(0);
        Nanos::new(u64::try_from(nanos).unwrap_or(0))
    }
}

/// The limiter's state, shared with [`PerAddress`] so that it can tell
/// whether an address is tracked before counting it.
#[derive(Clone, Default)]
struct Shared(Arc<DashMapStateStore<IpAddr>>);

impl StateStore for Shared {
    type Key = IpAddr;

    fn measure_and_replace<T, F, E>(&self, key: &IpAddr, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        self.0.measure_and_replace(key, f)
    }
}

impl ShrinkableKeyedStateStore<IpAddr> for Shared {
    fn retain_recent(&self, drop_below: Nanos) {
        ShrinkableKeyedStateStore::retain_recent(&*self.0, drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&*self.0);
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What [`PerAddress::check`] decided for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Within the limit (counted).
    Allowed,
    /// Over the limit: retry after this many seconds (at least 1).
    Refused { retry_after_seconds: i64 },
    /// Not counted here: the address is not one this instance tracks (the
    /// cap is reached, or it is `unknown`); count it in the database.
    Untracked,
}

/// One kind of per-address limit: `limit` requests per minute per address,
/// all of them at once at most (GCRA: the allowance refills one request
/// every minute / `limit`).
pub struct PerAddress {
    limiter: RateLimiter<IpAddr, Shared, AppClock, NoOpMiddleware<Nanos>>,
    state: Shared,
    clock: AppClock,
    /// Most addresses tracked at once.
    cap: usize,
}

impl PerAddress {
    /// A limiter of `limit` requests a minute per address (burst `limit`),
    /// tracking at most `cap` addresses, on `clock`.
    pub fn new(limit: i64, cap: usize, clock: Arc<Clock>) -> PerAddress {
        let limit = NonZeroU32::new(u32::try_from(limit).unwrap_or(u32::MAX).max(1))
            .unwrap_or(NonZeroU32::MIN);
        let state = Shared::default();
        let clock = AppClock(clock);
        PerAddress {
            limiter: RateLimiter::new(
                Quota::per_minute(limit).allow_burst(limit),
                state.clone(),
                clock.clone(),
            ),
            state,
            clock,
            cap,
        }
    }

    /// Counts one request from `address` (a rate-limit identity from
    /// [`crate::client_ip::of`]: an IPv4 address or an IPv6 /64).
    pub fn check(&self, address: &str) -> Checked {
        let Some(key) = key(address) else {
            return Checked::Untracked;
        };
        // An address already tracked is always counted here; a new one only
        // while there is room (concurrent new ones may pass the cap by the
        // number of requests in flight: bounded all the same).
        if !self.state.0.contains_key(&key) && self.state.0.len() >= self.cap {
            return Checked::Untracked;
        }
        match self.limiter.check_key(&key) {
            Ok(()) => Checked::Allowed,
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::Clock::now(&self.clock));
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Checked::Refused {
                    retry_after_seconds: i64::try_from(seconds).unwrap_or(i64::MAX).max(1),
                }
            }
        }
    }

    /// Forgets the addresses whose allowance is full again (they would be
    /// counted as new ones); returns how many are still tracked.
    pub fn forget_idle(&self) -> usize {
        self.limiter.retain_recent();
        self.limiter.len()
    }

    /// How many addresses this instance tracks now.
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

/// An identity from [`crate::client_ip::of`] as a compact key: the IPv4
/// address, or the IPv6 /64's network address; `None` for `unknown`.
fn key(address: &str) -> Option<IpAddr> {
    address.parse::<IpAddr>().ok().or_else(|| {
        address
            .parse::<ipnet::IpNet>()
            .ok()
            .map(|net| net.network())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn frozen() -> Arc<Clock> {
        let clock = Arc::new(Clock::default());
        clock.freeze();
        clock
    }

    #[test]
    fn the_limit_passes_at_once_then_refills_one_request_per_share_of_the_minute() {
        let clock = frozen();
        let limits = PerAddress::new(3, 10, clock.clone());
        for _ in 0..3 {
            assert_eq!(limits.check("203.0.113.1"), Checked::Allowed);
        }
        assert_eq!(
            limits.check("203.0.113.1"),
            Checked::Refused {
                retry_after_seconds: 20
            }
        );
        assert_eq!(limits.check("203.0.113.2"), Checked::Allowed);
        clock.advance(Duration::seconds(20));
        assert_eq!(limits.check("203.0.113.1"), Checked::Allowed);
        assert!(matches!(
            limits.check("203.0.113.1"),
            Checked::Refused { .. }
        ));
    }

    #[test]
    fn past_the_cap_new_addresses_are_untracked_and_idle_ones_are_forgotten() {
        let clock = frozen();
        let limits = PerAddress::new(2, 2, clock.clone());
        assert_eq!(limits.check("203.0.113.1"), Checked::Allowed);
        assert_eq!(limits.check("2001:db8:1:2::/64"), Checked::Allowed);
        assert_eq!(limits.check("203.0.113.3"), Checked::Untracked);
        assert_eq!(limits.check("unknown"), Checked::Untracked);
        // A tracked address is still counted here.
        assert_eq!(limits.check("203.0.113.1"), Checked::Allowed);
        assert_eq!(limits.tracked(), 2);
        assert_eq!(limits.forget_idle(), 2, "allowances not yet full are kept");
        clock.advance(Duration::minutes(2));
        assert_eq!(limits.forget_idle(), 0);
        assert_eq!(limits.check("203.0.113.3"), Checked::Allowed);
    }
}
