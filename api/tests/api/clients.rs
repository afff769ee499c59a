use crate::support::*;

#[tokio::test]
async fn staff_find_clients_by_name_email_or_phone_digits() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    for (q, expected) in [
        ("whit", DANA),
        ("DANA W", DANA),
        ("ellis@", ELLIS),
        ("(512) 555-0177", MORGAN),
        ("0162", RILEY),
    ] {
        let reply = app
            .get(&format!("/api/v1/clients?q={}", urlencode(q)), Some(&token))
            .await;
        assert_eq!(reply.status, 200);
        let ids: Vec<_> = reply
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, [expected.to_string()], "query {q}");
    }
    let all = app.get("/api/v1/clients?q=example.com", Some(&token)).await;
    assert_eq!(all.body.as_array().unwrap().len(), 5);
    let none = app.get("/api/v1/clients?q=%25%25", Some(&token)).await;
    assert_eq!(
        none.body.as_array().unwrap().len(),
        0,
        "LIKE wildcards are matched literally"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn a_one_letter_search_is_refused() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    app.get("/api/v1/clients?q=d", Some(&token))
        .await
        .assert_problem(422, "query_too_short");
}

#[tokio::test]
async fn a_client_record_carries_location_vehicles_cards_and_past_due() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    let dana = app
        .get(&format!("/api/v1/clients/{DANA}"), Some(&token))
        .await;
    assert_eq!(dana.status, 200);
    let c = &dana.body;
    assert_eq!(c["location"]["accepts_payments"], true);
    assert_eq!(c["location"]["tax_rate_ppm"], 82_500);
    assert_eq!(c["past_due_cents"], 10_284);
    assert_eq!(c["vehicles"].as_array().unwrap().len(), 2);
    assert_eq!(c["cards"][0]["last4"], "4242");
    assert!(
        c["cards"][0].get("gateway_token").is_none(),
        "the gateway token stays inside"
    );
    let ellis = app
        .get(&format!("/api/v1/clients/{ELLIS}"), Some(&token))
        .await;
    assert_eq!(ellis.body["location"]["accepts_payments"], false);
    let morgan = app
        .get(&format!("/api/v1/clients/{MORGAN}"), Some(&token))
        .await;
    assert_eq!(morgan.body["autopay_enabled"], true);
    let riley = app
        .get(&format!("/api/v1/clients/{RILEY}"), Some(&token))
        .await;
    assert_eq!(riley.body["past_due_cents"], 0);
}

#[tokio::test]
async fn a_client_sees_their_own_record_at_me() {
    let app = spawn_app().await;
    let token = app.client_token().await;
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], DANA.to_string());
    assert_eq!(me.body["past_due_cents"], 10_284);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None).await.status, 200);
    assert_eq!(app.get("/readyz", None).await.body["status"], "ready");
}

#[tokio::test]
async fn responses_carry_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/api/v1/config"))
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert!(header("content-security-policy")
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("x-request-id").map(|id| id.len()), Some(36));
}

#[tokio::test]
async fn a_company_logo_is_published_in_config_and_its_origin_allowed_as_an_image() {
    let plain = spawn_app().await;
    assert_eq!(
        plain.get("/api/v1/config", None).await.body["company_logo_url"],
        serde_json::Value::Null
    );

    let app =
        spawn_app_with(&[("COMPANY_LOGO_URL", "https://cdn.example.com/brand/logo.svg")]).await;
    assert_eq!(
        app.get("/api/v1/config", None).await.body["company_logo_url"],
        "https://cdn.example.com/brand/logo.svg"
    );
    let policy = |path: &str| {
        let app = &app;
        let path = path.to_owned();
        async move {
            let response = app.http.get(app.url(&path)).send().await.unwrap();
            response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    let spa = policy("/my-account/pay").await;
    assert!(
        spa.contains("img-src 'self' data: https://cdn.example.com;"),
        "{spa}"
    );
    assert!(
        !policy("/api/v1/config").await.contains("cdn.example.com"),
        "the JSON API loads nothing"
    );
}

#[tokio::test]
async fn a_built_spa_is_served_compressed_with_its_pages_and_the_json_api_is_not() {
    let dist = std::env::temp_dir().join(format!("spa-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::create_dir_all(dist.join("pay")).unwrap();
    std::fs::write(dist.join("index.html"), "<title>app</title>").unwrap();
    std::fs::write(dist.join("pay/index.html"), "<title>pay</title>").unwrap();
    let script = "console.log('the app');\n".repeat(200);
    std::fs::write(dist.join("assets/app.js"), &script).unwrap();
    let app = spawn_app_with(&[("MY_ACCOUNT_DIST", dist.to_str().unwrap())]).await;
    let get = |path: &str| {
        app.http
            .get(app.url(path))
            .header("accept-encoding", "gzip")
            .send()
    };

    let asset = get("/my-account/assets/app.js").await.unwrap();
    assert_eq!(asset.status(), 200);
    assert_eq!(asset.headers()["content-encoding"], "gzip");
    assert!(asset.bytes().await.unwrap().len() < script.len() / 10);
    // What the build compressed beforehand is sent as it is, to browsers that take it.
    std::fs::write(dist.join("assets/app.js.br"), b"brotli bytes").unwrap();
    let brotli = app
        .http
        .get(app.url("/my-account/assets/app.js"))
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .send()
        .await
        .unwrap();
    assert_eq!(brotli.headers()["content-encoding"], "br");
    assert!(brotli.headers()["vary"]
        .to_str()
        .unwrap()
        .starts_with("accept-encoding"));
    assert!(brotli.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert_eq!(&brotli.bytes().await.unwrap()[..], b"brotli bytes");
    assert_eq!(
        get("/my-account/assets/app.js").await.unwrap().headers()["content-encoding"],
        "gzip"
    );
    for outside in [
        "/my-account/assets/..%2Fpay%2Findex.html",
        "/my-account/assets/.hidden",
    ] {
        assert_eq!(get(outside).await.unwrap().status(), 404, "{outside}");
    }
    assert_eq!(
        get("/my-account/pay/").await.unwrap().headers()["content-encoding"],
        "gzip"
    );
    // A page with its own HTML gets it; other paths of the app get index.html.
    for (path, html) in [
        ("/my-account/", "<title>app</title>"),
        ("/my-account/pay/", "<title>pay</title>"),
        ("/my-account/payment", "<title>app</title>"),
    ] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert!(response.headers().contains_key("content-security-policy"));
        assert_eq!(response.text().await.unwrap(), html, "{path}");
    }
    let config = get("/api/v1/config").await.unwrap();
    assert_eq!(config.status(), 200);
    assert!(!config.headers().contains_key("content-encoding"));
    std::fs::remove_dir_all(dist).unwrap();
}

#[tokio::test]
async fn metrics_report_requests_by_route_and_business_figures() {
    let app = spawn_app().await;
    let token = app.agent_token().await;
    app.get(&format!("/api/v1/clients/{DANA}"), Some(&token))
        .await;
    let metrics = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains(r#"http_request_duration_seconds_count{method="GET",route="/api/v1/clients/{client_id}",status="200"} 1"#), "{metrics}");
    assert!(metrics.contains("sms_outbox_depth 0"));
    assert!(metrics.contains("database_up 1"));
}

#[tokio::test]
async fn metrics_with_a_token_configured_answer_only_the_scraper() {
    let token = "scraper-token-0123456789";
    let app = spawn_app_with(&[("METRICS_TOKEN", token)]).await;
    let scrape = |bearer: Option<&'static str>| {
        let mut request = app.http.get(app.url("/metrics"));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send()
    };
    let anonymous = scrape(None).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(
        scrape(Some("scraper-token-wrong")).await.unwrap().status(),
        401
    );
    let scraper = scrape(Some(token)).await.unwrap();
    assert_eq!(scraper.status(), 200);
    assert!(scraper.text().await.unwrap().contains("database_up 1"));
}

/// `/metrics` as text, and how many lines (series) it has.
async fn scrape(app: &TestApp) -> (String, usize) {
    let text = app.metrics().await;
    let lines = text.lines().count();
    (text, lines)
}

#[tokio::test]
async fn made_up_http_methods_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let request = |n: u32| {
        let method = format!("M{n:X}Q{}", n.wrapping_mul(2_654_435_761));
        Call::new(&app.http, &method, &app.url("/api/v1/clients")).send()
    };
    request(0).await;
    scrape(&app).await;
    let (_, before) = scrape(&app).await;
    for chunk in (1..=2000).collect::<Vec<u32>>().chunks(50) {
        futures_util::future::join_all(chunk.iter().map(|n| request(*n))).await;
    }
    let (after_text, after) = scrape(&app).await;
    assert_eq!(before, after, "new series:\n{after_text}");
    assert!(
        !after_text.contains("M1Q"),
        "a made-up method became a label"
    );
}

/// Issue 18: Make a Payment preselected Dana's F-150 (paid through 12 days
/// ahead, listed first) instead of the Camry that lapsed 10 days ago.
#[tokio::test]
async fn the_vehicle_due_first_is_named_for_both_apps_whatever_the_list_order() {
    let app = spawn_app().await;
    let client = app.client_token().await;
    let me = app.get("/api/v1/me", Some(&client)).await.body;
    assert_eq!(me["next_vehicle_id"], DANA_CAMRY.to_string(), "{me}");
    let staff = app.agent_token().await;
    let dana = app
        .get(&format!("/api/v1/clients/{DANA}"), Some(&staff))
        .await
        .body;
    assert_eq!(dana["next_vehicle_id"], DANA_CAMRY.to_string());
    let next = app
        .get(
            &format!("/api/v1/clients/{DANA}/next-payment"),
            Some(&staff),
        )
        .await
        .body;
    assert_eq!(next["vehicle_id"], dana["next_vehicle_id"], "one rule");
}
