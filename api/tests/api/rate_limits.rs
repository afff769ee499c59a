//! Rate limits: whose address counts, how windows roll, and that expired
//! buckets are purged (security issue, item 11).

use crate::support::*;
use chrono::Duration;
use payments_api::services::rate_limits::{self, Window};

/// Opens an unknown link as `forwarded` (an `X-Forwarded-For` value).
async fn open_from(app: &TestApp, forwarded: &str) -> Reply {
    app.call("GET", "/payment-link")
        .link_token(&"A".repeat(43))
        .header("x-forwarded-for", forwarded)
        .send()
        .await
}

#[tokio::test]
async fn a_caller_cannot_pick_its_own_bucket_with_x_forwarded_for() {
    // The tests' peer is 127.0.0.1: not in these networks, so not a proxy.
    for trusted in [None, Some("10.0.0.0/8")] {
        let mut vars = vec![("LINK_RATE_LIMIT_PER_MINUTE", "2")];
        vars.extend(trusted.map(|t| ("TRUSTED_PROXY_NETWORKS", t)));
        let app = spawn_app_with(&vars).await;
        app.start_of_window(1);
        for n in 0..2 {
            open_from(&app, &format!("203.0.113.{n}"))
                .await
                .assert_problem(404, "link_not_found");
        }
        open_from(&app, "203.0.113.99")
            .await
            .assert_problem(429, "rate_limited");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_bucket() {
    let app = spawn_app_with(&[
        ("LINK_RATE_LIMIT_PER_MINUTE", "2"),
        ("TRUSTED_PROXY_NETWORKS", "127.0.0.1/32"),
    ])
    .await;
    app.start_of_window(1);
    for forwarded in ["203.0.113.1", "203.0.113.1", "203.0.113.2"] {
        open_from(&app, forwarded)
            .await
            .assert_problem(404, "link_not_found");
    }
    open_from(&app, "203.0.113.1")
        .await
        .assert_problem(429, "rate_limited");
    // What a client writes left of the proxy's entry changes nothing.
    open_from(&app, "198.51.100.7, 203.0.113.1")
        .await
        .assert_problem(429, "rate_limited");
    // IPv6 clients share their /64: another address in it is the same caller.
    open_from(&app, "2001:db8:1:2::1").await;
    open_from(&app, "2001:db8:1:2::1").await;
    open_from(&app, "2001:db8:1:2:ffff::9")
        .await
        .assert_problem(429, "rate_limited");
    open_from(&app, "2001:db8:1:3::1")
        .await
        .assert_problem(404, "link_not_found");
}

#[tokio::test]
async fn a_hit_stamped_with_an_older_window_never_resets_the_count() {
    let app = spawn_app().await;
    let now = app.clock.now();
    let (old, new) = (now - Duration::minutes(1), now);
    let hit = |start: chrono::DateTime<chrono::Utc>| {
        app.store
            .rate_limit_hit("bucket", start, start + Duration::minutes(1), now)
    };
    assert_eq!(hit(new).await.unwrap(), 1);
    assert_eq!(hit(new).await.unwrap(), 2);
    // An instance whose clock is behind still counts into the newer window.
    assert_eq!(hit(old).await.unwrap(), 3);
    assert_eq!(app.store.rate_limit_count("bucket", new).await.unwrap(), 3);
    // A newer window starts again.
    assert_eq!(hit(new + Duration::minutes(1)).await.unwrap(), 1);
}

#[tokio::test]
async fn buckets_whose_window_ended_are_purged() {
    let app = spawn_app().await;
    app.start_of_window(1);
    let now = app.clock.now();
    let window = Window::containing(now, Duration::minutes(1)).unwrap();
    let bucket = "api_key:00000000-0000-4000-8000-000000000001:requests";
    app.store
        .rate_limit_hit(bucket, window.start, window.end, now)
        .await
        .unwrap();
    let count = || app.store.rate_limit_count(bucket, window.start);
    assert_eq!(count().await.unwrap(), 1);
    let purge = || app.job(rate_limits::purge(&app.state));
    purge().await.unwrap();
    assert_eq!(count().await.unwrap(), 1, "a window still open is kept");
    app.clock.advance(Duration::minutes(1));
    assert!(purge().await.unwrap() >= 1);
    assert_eq!(count().await.unwrap(), 0, "the ended window's row is gone");
}

/// The database's count of `bucket` in the current minute.
async fn counted_in_database(app: &TestApp, bucket: &str) -> i64 {
    let window = Window::containing(app.clock.now(), Duration::minutes(1)).expect("a window");
    app.store
        .rate_limit_count(bucket, window.start)
        .await
        .expect("the count")
}

#[tokio::test]
async fn the_per_address_allowance_refills_a_request_at_a_time() {
    let app = spawn_app_with(&[
        ("LINK_RATE_LIMIT_PER_MINUTE", "2"),
        ("TRUSTED_PROXY_NETWORKS", "127.0.0.1/32"),
    ])
    .await;
    app.start_of_window(1);
    for _ in 0..2 {
        open_from(&app, "203.0.113.1")
            .await
            .assert_problem(404, "link_not_found");
    }
    let refused = open_from(&app, "203.0.113.1").await;
    refused.assert_problem(429, "rate_limited");
    // Two a minute: one more every 30 seconds, not all at the next minute.
    assert_eq!(refused.retry_after, Some(30));
    app.clock.advance(Duration::seconds(30));
    open_from(&app, "203.0.113.1")
        .await
        .assert_problem(404, "link_not_found");
    open_from(&app, "203.0.113.1")
        .await
        .assert_problem(429, "rate_limited");
}

#[tokio::test]
async fn opening_a_link_writes_no_counter_to_the_database() {
    let app = spawn_app_with(&[("TRUSTED_PROXY_NETWORKS", "127.0.0.1/32")]).await;
    open_from(&app, "203.0.113.1")
        .await
        .assert_problem(404, "link_not_found");
    assert_eq!(counted_in_database(&app, "ip:203.0.113.1:links").await, 0);
    assert_eq!(app.state.link_limits.tracked(), 1);
}

#[tokio::test]
async fn past_the_tracked_addresses_new_ones_are_counted_in_the_database() {
    let app = spawn_app_with(&[
        ("LINK_RATE_LIMIT_PER_MINUTE", "2"),
        ("LINK_RATE_LIMIT_ADDRESSES", "1"),
        ("TRUSTED_PROXY_NETWORKS", "127.0.0.1/32"),
    ])
    .await;
    app.start_of_window(1);
    open_from(&app, "203.0.113.1")
        .await
        .assert_problem(404, "link_not_found");
    // The cap is reached: a new address is counted in the database, and
    // limited all the same.
    for _ in 0..2 {
        open_from(&app, "203.0.113.2")
            .await
            .assert_problem(404, "link_not_found");
    }
    open_from(&app, "203.0.113.2")
        .await
        .assert_problem(429, "rate_limited");
    assert_eq!(counted_in_database(&app, "ip:203.0.113.2:links").await, 3);
    // The tracked address is still counted in memory.
    open_from(&app, "203.0.113.1")
        .await
        .assert_problem(404, "link_not_found");
    open_from(&app, "203.0.113.1")
        .await
        .assert_problem(429, "rate_limited");
    assert_eq!(counted_in_database(&app, "ip:203.0.113.1:links").await, 0);
    assert_eq!(app.state.link_limits.tracked(), 1, "memory stays bounded");
}

#[tokio::test]
async fn addresses_whose_allowance_is_full_again_are_forgotten_by_the_purge() {
    let app = spawn_app_with(&[("TRUSTED_PROXY_NETWORKS", "127.0.0.1/32")]).await;
    for n in 0..3 {
        open_from(&app, &format!("203.0.113.{n}")).await;
    }
    assert_eq!(app.state.link_limits.tracked(), 3);
    app.job(payments_api::services::jobs::purge(&app.state))
        .await
        .unwrap();
    assert_eq!(
        app.state.link_limits.tracked(),
        3,
        "allowances in use are kept"
    );
    app.clock.advance(Duration::minutes(2));
    app.job(payments_api::services::jobs::purge(&app.state))
        .await
        .unwrap();
    assert_eq!(app.state.link_limits.tracked(), 0);
}
