//! Each test observes only the app it started: its own log and its own SMS,
//! however many apps the tests run at once in this process.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn an_app_logs_only_what_it_was_asked_and_did() {
    let quiet = spawn_app().await;
    let busy = spawn_app().await;
    quiet.get("/healthz", None).await;
    let refused = busy
        .post(
            "/sandbox/tokenize",
            None,
            &json!({ "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "1" }),
        )
        .await;
    refused.assert_problem(422, "invalid_cvc");
    busy.job(async { tracing::info!("a job of the busy app") })
        .await;

    assert!(busy.logs().contains("invalid_cvc"), "{}", busy.logs());
    assert!(busy.logs().contains("a job of the busy app"));
    let quiet_logs = quiet.logs();
    assert!(quiet_logs.contains("/healthz"), "{quiet_logs}");
    for other in ["invalid_cvc", "/sandbox/tokenize", "a job of the busy app"] {
        assert!(!quiet_logs.contains(other), "{other} in another app's log");
    }
}

#[tokio::test]
async fn an_app_records_only_the_sms_it_sent() {
    let (first, second) = (spawn_app().await, spawn_app().await);
    for app in [&first, &second] {
        let staff = app.agent_token().await;
        let reply = app
            .send_link_for(&staff, DANA, DANA_CAMRY, "5125550143")
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let tokens = [
        first.deliver_link_token().await,
        second.deliver_link_token().await,
    ];
    assert_ne!(tokens[0], tokens[1]);
    for (app, token) in [(&first, &tokens[0]), (&second, &tokens[1])] {
        let sent = app.sms.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].to, "+15125550143");
        assert_eq!(sent[0].link_token().as_ref(), Some(token));
        let opened = app.open_link(token).await;
        assert_eq!(opened.status, 200, "{}", opened.body);
    }
}
