//! Sessions end when they should (security issue, item 17): signing out, a
//! deleted account or a changed role stop a token at once, on every instance,
//! though the token itself has not expired. On PostgreSQL each instance
//! serves the sessions it checked from its cache (`auth::cache`, issue 16
//! item 8): these tests wait for it to be live and check the session once
//! before the change, so the change must reach the cache.

use crate::support::*;
use payments_api::seed::{AGENT_LOGIN, SUPERVISOR_LOGIN};

async fn logout(app: &TestApp, token: &str) -> Reply {
    app.call("POST", "/auth/logout")
        .token(Some(token))
        .send()
        .await
}

async fn search(app: &TestApp, token: &str) -> Reply {
    app.get("/api/v1/clients?q=Dana", Some(token)).await
}

#[tokio::test]
async fn signing_out_ends_that_session_only() {
    let app = spawn_app().await;
    let (first, second) = (app.agent_token().await, app.agent_token().await);
    assert_eq!(search(&app, &first).await.status, 200);
    assert_eq!(logout(&app, &first).await.status, 204);
    search(&app, &first)
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(
        search(&app, &second).await.status,
        200,
        "another sign-in goes on"
    );
    assert_eq!(
        logout(&app, &first).await.status,
        204,
        "signing out twice is fine"
    );
    logout(&app, "not-a-token")
        .await
        .assert_problem(401, "unauthorized");

    let client = app.client_token().await;
    assert_eq!(app.get("/api/v1/me", Some(&client)).await.status, 200);
    assert_eq!(logout(&app, &client).await.status, 204);
    app.get("/api/v1/me", Some(&client))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_session_ends_on_every_instance_at_once() {
    // Two API instances on one database: signed out on one, refused by the other.
    let first = spawn_app().await.with_auth_cache().await;
    let second = first.another_instance().await.with_auth_cache().await;
    let token = first.agent_token().await;
    assert_eq!(search(&first, &token).await.status, 200);
    assert_eq!(search(&second, &token).await.status, 200);
    assert_eq!(search(&second, &token).await.status, 200, "from the cache");
    assert_eq!(logout(&first, &token).await.status, 204);
    search(&first, &token)
        .await
        .assert_problem(401, "unauthorized");
    refused_once_heard("signed out on the other instance", || {
        search(&second, &token)
    })
    .await;
}

#[tokio::test]
async fn a_refresh_on_one_instance_moves_the_expiry_on_another() {
    let first = spawn_app().await.with_auth_cache().await;
    let second = first.another_instance().await.with_auth_cache().await;
    let advance = |minutes| {
        first.clock.advance(chrono::Duration::minutes(minutes));
        second.clock.advance(chrono::Duration::minutes(minutes));
    };
    let token = first.agent_token().await;
    assert_eq!(search(&second, &token).await.status, 200);
    advance(50);
    assert_eq!(search(&second, &token).await.status, 200, "from the cache");
    let refreshed = refresh(&first, &token).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let token = refreshed.body["access_token"].as_str().unwrap().to_owned();
    // 80 minutes after sign-in: past the first hour, within the refreshed one.
    advance(30);
    assert_eq!(search(&second, &token).await.status, 200);
    assert_eq!(search(&first, &token).await.status, 200);
    // Never past the expiry it was given, cached or not.
    advance(31);
    search(&second, &token)
        .await
        .assert_problem(401, "unauthorized");
    search(&first, &token)
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_cached_session_ends_at_its_expiry() {
    let app = spawn_app().await.with_auth_cache().await;
    let client = app.client_token().await;
    assert_eq!(app.get("/api/v1/me", Some(&client)).await.status, 200);
    app.clock.advance(chrono::Duration::minutes(59));
    assert_eq!(app.get("/api/v1/me", Some(&client)).await.status, 200);
    app.clock.advance(chrono::Duration::minutes(2));
    app.get("/api/v1/me", Some(&client))
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_deleted_staff_member_or_client_is_signed_out() {
    let app = spawn_app().await.with_auth_cache().await;
    let agent = app.staff_token(&AGENT_LOGIN).await;
    let client = app.client_token().await;
    assert_eq!(search(&app, &agent).await.status, 200);
    assert_eq!(app.get("/api/v1/me", Some(&client)).await.status, 200);
    execute_sql(
        &app,
        "delete from staff_users where email = 'agent@example.com'",
    )
    .await;
    refused_once_heard("deleted staff member", || search(&app, &agent)).await;
    execute_sql(
        &app,
        "delete from client_logins where email = 'client@example.com'",
    )
    .await;
    refused_once_heard("deleted client login", || {
        app.get("/api/v1/me", Some(&client))
    })
    .await;
}

#[tokio::test]
async fn a_demoted_supervisor_loses_what_the_role_allowed_at_once() {
    let app = spawn_app().await.with_auth_cache().await;
    let other = app.another_instance().await.with_auth_cache().await;
    let supervisor = app.staff_token(&SUPERVISOR_LOGIN).await;
    assert_eq!(search(&other, &supervisor).await.status, 200);
    assert_eq!(search(&app, &supervisor).await.status, 200);
    execute_sql(
        &app,
        "update staff_users set role = 'agent' where email = 'supervisor@example.com'",
    )
    .await;
    refused_once_heard("demoted", || search(&app, &supervisor)).await;
    refused_once_heard("demoted, other instance", || search(&other, &supervisor)).await;
    // Signing in again gives the new role: an agent may not add invoices.
    let agent_now = app.staff_token(&SUPERVISOR_LOGIN).await;
    app.post_idempotent(
        &format!("/clients/{DANA}/invoices"),
        Some(&agent_now),
        &key(),
        &serde_json::json!({ "vehicle_id": DANA_F150, "monitor_days": 14 }),
    )
    .await
    .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn a_token_without_a_session_is_refused() {
    // Signed with the right secret and unexpired, but naming no session (as
    // tokens issued before sessions existed): refused.
    let app = spawn_app().await;
    let now = chrono::Utc::now().timestamp();
    let claims = payments_api::auth::Claims {
        sub: uuid::Uuid::new_v4(),
        aud: "plus".into(),
        iss: payments_api::auth::jwt::ISSUER.into(),
        iat: now,
        exp: now + 600,
        name: "Mallory".into(),
        role: Some("admin".into()),
        sid: None,
    };
    let token = app.state.jwt.issue(&claims).expect("a token");
    search(&app, &token)
        .await
        .assert_problem(401, "unauthorized");
}

async fn refresh(app: &TestApp, token: &str) -> Reply {
    app.call("POST", "/auth/refresh")
        .token(Some(token))
        .send()
        .await
}

#[tokio::test]
async fn a_session_used_slides_an_hour_at_a_time_and_ends_twelve_hours_after_sign_in() {
    let app = spawn_app().await;
    let first = app.agent_token().await;
    app.clock.advance(chrono::Duration::minutes(50));
    let refreshed = refresh(&app, &first).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_eq!(refreshed.body["expires_in"], 3600);
    let second = refreshed.body["access_token"].as_str().unwrap().to_owned();
    // Past the first hour, the session stands because it was refreshed.
    app.clock.advance(chrono::Duration::minutes(30));
    assert_eq!(search(&app, &second).await.status, 200);

    // Refreshed every 50 minutes, it lasts until 12 hours after sign-in, no more.
    let mut token = second;
    for step in 0..13 {
        if step > 0 {
            app.clock.advance(chrono::Duration::minutes(50));
        }
        let reply = refresh(&app, &token).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        token = reply.body["access_token"].as_str().unwrap().to_owned();
    }
    // Now 11 h 20 after sign-in.
    let capped = refresh(&app, &token).await;
    assert_eq!(capped.status, 200, "{}", capped.body);
    let left = capped.body["expires_in"].as_i64().unwrap();
    assert!(
        (39 * 60..=40 * 60).contains(&left),
        "12 hours after sign-in at most: {left}"
    );
    app.clock.advance(chrono::Duration::minutes(41));
    let third = capped.body["access_token"].as_str().unwrap().to_owned();
    search(&app, &third)
        .await
        .assert_problem(401, "unauthorized");
    refresh(&app, &third)
        .await
        .assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_signed_out_or_idle_session_is_not_refreshed() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let refreshed = refresh(&app, &client).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let again = refreshed.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&again)).await.status, 200);
    assert_eq!(logout(&app, &again).await.status, 204);
    refresh(&app, &client)
        .await
        .assert_problem(401, "unauthorized");

    let idle = app.agent_token().await;
    app.clock.advance(chrono::Duration::minutes(61));
    refresh(&app, &idle)
        .await
        .assert_problem(401, "unauthorized");
}
