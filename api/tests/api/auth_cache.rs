//! The cache of checked sessions and API keys (`auth::cache`, PostgreSQL
//! only) when its listener dies: killed, or silently (its backend stopped,
//! as a half-open connection or a pooler in transaction mode behaves). A
//! revocation made meanwhile is refused at once after a loud death and
//! within `ALIVE_FOR` after a silent one (not after the entries' 30 s), and
//! the cache recovers by itself. Also: which changes notify, the setting that
//! turns the cache off, and one-off commands that never listen.
//!
//! These tests need PostgreSQL (`TEST_DATABASE_URL`); without it they are
//! skipped with a message, and fail under `REQUIRE_TEST_DATABASE=1`.

use crate::support::*;
use payments_api::auth::cache::{ALIVE_FOR, CHANNEL};
use payments_api::store::LISTENER_APPLICATION_NAME;
use std::time::Duration;

/// The app on PostgreSQL with its cache live, or `None` (skipped) without
/// a server.
async fn app_with_live_cache(test: &str, vars: &[(&str, &str)]) -> Option<TestApp> {
    postgres_for(test)?;
    Some(spawn_app_with(vars).await.with_auth_cache().await)
}

async fn search(app: &TestApp, token: &str) -> Reply {
    app.get("/api/v1/clients?q=Dana", Some(token)).await
}

/// The process ids of the backends listening for the app's database.
async fn listener_pids(app: &TestApp) -> Vec<i32> {
    let rows: Vec<(i32,)> = query_rows(
        app,
        &format!(
            "select pid from pg_stat_activity where datname = current_database() \
            and application_name = '{LISTENER_APPLICATION_NAME}'"
        ),
    )
    .await;
    rows.into_iter().map(|(pid,)| pid).collect()
}

async fn the_listener(app: &TestApp) -> i32 {
    let pids = eventually("the listener's backend", Duration::from_secs(5), || async {
        let pids = listener_pids(app).await;
        (!pids.is_empty()).then_some(pids)
    })
    .await;
    assert_eq!(pids.len(), 1, "one listener per instance: {pids:?}");
    pids[0]
}

/// Every session of the demo agent signed out, behind the app's back.
const SIGN_OUT_AGENT: &str = "update sessions set revoked_at = now() \
    where subject = (select id from staff_users where email = 'agent@example.com')";

#[tokio::test]
async fn a_revocation_while_the_listener_is_down_is_refused_at_once_and_the_cache_recovers() {
    let Some(app) = app_with_live_cache(
        "a_revocation_while_the_listener_is_down_is_refused_at_once_and_the_cache_recovers",
        &[],
    )
    .await
    else {
        return;
    };
    let token = app.agent_token().await;
    assert_eq!(search(&app, &token).await.status, 200);
    assert_eq!(search(&app, &token).await.status, 200, "from the cache");

    let killed = the_listener(&app).await;
    execute_sql(&app, &format!("select pg_terminate_backend({killed})")).await;
    let cache = app.state.auth_cache.clone();
    eventually("the cache is bypassed", Duration::from_secs(5), || {
        let live = cache.is_live();
        async move { (!live).then_some(()) }
    })
    .await;
    // Nobody hears this one's notice: refused all the same, at once.
    execute_sql(&app, SIGN_OUT_AGENT).await;
    search(&app, &token)
        .await
        .assert_problem(401, "unauthorized");

    // It listens again on a new connection, and serves from the cache again.
    let app = app.with_auth_cache().await;
    let again = the_listener(&app).await;
    assert_ne!(again, killed);
    let token = app.agent_token().await;
    assert_eq!(search(&app, &token).await.status, 200);
    assert_eq!(search(&app, &token).await.status, 200, "from the cache");
    execute_sql(&app, SIGN_OUT_AGENT).await;
    refused_once_heard("signed out in SQL after the listener came back", || {
        search(&app, &token)
    })
    .await;
}

/// A PostgreSQL backend stopped (SIGSTOP) until dropped: its connection stays
/// open and says nothing, as a half-open one does.
struct Stopped(i32);

impl Stopped {
    fn new(pid: i32) -> Stopped {
        signal(pid, "-STOP");
        Stopped(pid)
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        signal(self.0, "-CONT");
    }
}

fn signal(pid: i32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill");
    assert!(
        status.success(),
        "kill {signal} {pid}: the test needs the PostgreSQL server on this machine, and the right to signal it"
    );
}

#[tokio::test]
async fn a_silently_dead_listener_stops_serving_the_cache_within_its_bound() {
    let Some(app) = app_with_live_cache(
        "a_silently_dead_listener_stops_serving_the_cache_within_its_bound",
        &[],
    )
    .await
    else {
        return;
    };
    let token = app.agent_token().await;
    assert_eq!(search(&app, &token).await.status, 200);
    assert_eq!(search(&app, &token).await.status, 200, "from the cache");

    let silent = Stopped::new(the_listener(&app).await);
    execute_sql(&app, SIGN_OUT_AGENT).await;
    // Its notice never arrives; the cache stops once nothing was heard for
    // ALIVE_FOR (before: served for the entries' 30 s).
    let started = std::time::Instant::now();
    let margin = Duration::from_secs(2);
    refused_within(&app, &token, ALIVE_FOR + margin).await;
    assert!(started.elapsed() <= ALIVE_FOR + margin);
    drop(silent);

    // A new connection: the cache is live again, and hears changes.
    let app = app.with_auth_cache().await;
    let token = app.agent_token().await;
    assert_eq!(search(&app, &token).await.status, 200);
    execute_sql(&app, SIGN_OUT_AGENT).await;
    refused_once_heard("signed out after the silent listener was replaced", || {
        search(&app, &token)
    })
    .await;
}

async fn refused_within(app: &TestApp, token: &str, within: Duration) {
    eventually("refused", within, || async {
        (search(app, token).await.status == 401).then_some(())
    })
    .await;
}

#[tokio::test]
async fn with_the_cache_off_nothing_listens_and_every_check_reads_the_database() {
    const TEST: &str = "with_the_cache_off_nothing_listens_and_every_check_reads_the_database";
    if postgres_for(TEST).is_none() {
        return;
    }
    let app = spawn_app_with(&[("AUTH_CACHE_ENABLED", "false")]).await;
    let token = app.agent_token().await;
    assert_eq!(search(&app, &token).await.status, 200);
    assert_eq!(search(&app, &token).await.status, 200);
    assert!(!app.state.auth_cache.is_live());
    assert_eq!(listener_pids(&app).await, Vec::<i32>::new());
    execute_sql(&app, SIGN_OUT_AGENT).await;
    search(&app, &token)
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_one_off_commands_state_never_listens() {
    let Some(app) = app_with_live_cache("a_one_off_commands_state_never_listens", &[]).await else {
        return;
    };
    the_listener(&app).await; // the server's: the query finds a listener
    let settings = app.state.settings.as_ref().clone();
    let adapters = payments_api::app::Adapters::from_settings(&settings);
    let state =
        payments_api::app::offline_state(settings, app.store.clone(), app.clock.clone(), adapters);
    // What `sync-payments` does, then what would show a listener.
    payments_api::services::status_sync::sync_open_payments(&state)
        .await
        .expect("status sync");
    let second = wait_until(Duration::from_secs(1), || async {
        (listener_pids(&app).await.len() > 1).then_some(())
    })
    .await;
    assert!(second.is_none(), "a one-off command started a listener");
    assert!(!state.auth_cache.is_live());
}

/// The notices heard on the channel from now until `marker` is sent, without
/// the listeners' `alive` ones.
async fn notices_until_marker(
    listener: &mut sqlx::postgres::PgListener,
    app: &TestApp,
) -> Vec<String> {
    execute_sql(app, &format!("select pg_notify('{CHANNEL}', 'marker')")).await;
    let mut heard = Vec::new();
    loop {
        let notice = tokio::time::timeout(Duration::from_secs(5), listener.recv())
            .await
            .expect("the marker within 5 s")
            .expect("a notice");
        match notice.payload() {
            "marker" => return heard,
            alive if alive.starts_with("alive:") => {}
            other => heard.push(other.to_owned()),
        }
    }
}

#[tokio::test]
async fn only_changes_the_session_check_reads_notify_every_instance() {
    let Some(app) = app_with_live_cache(
        "only_changes_the_session_check_reads_notify_every_instance",
        &[],
    )
    .await
    else {
        return;
    };
    let mut listener = sqlx::postgres::PgListener::connect(&database_url(&app))
        .await
        .expect("listen");
    listener.listen(CHANNEL).await.expect("listen");
    notices_until_marker(&mut listener, &app).await;

    // Columns no session check reads: nothing is forgotten anywhere.
    for sql in [
        "update staff_users set name = name || ' Jr', updated_at = now() where email = 'agent@example.com'",
        "update staff_users set password_hash = password_hash, updated_at = now()",
        "update staff_users set role = role",
        "update client_logins set updated_at = now(), email = email",
    ] {
        execute_sql(&app, sql).await;
        assert_eq!(
            notices_until_marker(&mut listener, &app).await,
            Vec::<String>::new(),
            "{sql}"
        );
    }
    // A role changed: every cached session is forgotten.
    execute_sql(
        &app,
        "update staff_users set role = 'agent' where email = 'supervisor@example.com'",
    )
    .await;
    assert_eq!(notices_until_marker(&mut listener, &app).await, ["all"]);
    // A client's login moved to another client, or deleted: the same.
    execute_sql(
        &app,
        &format!(
            "update client_logins set client_id = {} where email = 'client@example.com'",
            uuid_sql(&app, RILEY)
        ),
    )
    .await;
    assert_eq!(notices_until_marker(&mut listener, &app).await, ["all"]);
    execute_sql(
        &app,
        "delete from client_logins where email = 'lucia@example.com'",
    )
    .await;
    assert_eq!(notices_until_marker(&mut listener, &app).await, ["all"]);
}
