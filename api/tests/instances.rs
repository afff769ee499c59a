//! The product as it runs in production: real `payments-api serve` processes.
//!
//! - Three instances on one PostgreSQL database: concurrent redeems of the same
//!   links and concurrent retries of one Take a Payment through all three charge
//!   once; every SMS goes out once although every instance runs an outbox worker.
//! - A process killed (SIGKILL) while the gateway holds its charge: after a
//!   restart the payment is reconciled and the card is never charged twice.
//! - PostgreSQL going away and coming back (every connection cut, new ones
//!   refused): `/readyz` and requests answer 503 meanwhile, and the same
//!   process serves again afterwards. Once through a proxy that cuts the
//!   connections (a failover), once by restarting a PostgreSQL server of the
//!   test's own while payments are being taken.
//! - SIGTERM while a payment is being charged: the payment finishes and is
//!   answered before the process exits.
//!
//! The PostgreSQL ones need `TEST_DATABASE_URL=postgres://…` (the test
//! command's PostgreSQL pass); the kill test runs on both stores.

use futures_util::future::join_all;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DANA: &str = "00000000-0000-4000-8000-000000000101";
const DANA_CAMRY: &str = "00000000-0000-4000-8000-000000000201";
const DANA_VISA: &str = "00000000-0000-4000-8000-000000000301";

/// A database for one test, dropped at the end.
struct Database {
    url: String,
    drop_sql: Option<(String, String)>,
}

impl Database {
    async fn create(postgres_only: bool) -> Option<Database> {
        let id = Uuid::new_v4().simple().to_string();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin) if admin.starts_with("postgres") => {
                let name = format!("payments_instances_{id}");
                let mut conn = PgConnection::connect(&admin).await.expect("connect");
                conn.execute(format!(r#"create database "{name}""#).as_str())
                    .await
                    .expect("create database");
                let server = admin.rsplit_once('/').expect("a path").0;
                Some(Database {
                    url: format!("{server}/{name}"),
                    drop_sql: Some((
                        admin.clone(),
                        format!(r#"drop database if exists "{name}" with (force)"#),
                    )),
                })
            }
            _ if postgres_only => None,
            _ => Some(Database {
                url: format!(
                    "sqlite://{}",
                    std::env::temp_dir()
                        .join(format!("payments-instances-{id}.db"))
                        .display()
                ),
                drop_sql: None,
            }),
        }
    }

    async fn drop(self) {
        if let Some((admin, sql)) = self.drop_sql {
            let mut conn = PgConnection::connect(&admin).await.expect("connect");
            conn.execute(sql.as_str()).await.expect("drop database");
        }
    }

    async fn scalar(&self, sql: &str) -> i64 {
        if self.url.starts_with("postgres") {
            let mut conn = PgConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(sql)
                .fetch_one(&mut conn)
                .await
                .expect(sql)
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.url)
                .await
                .expect("connect");
            sqlx::query_scalar(sql)
                .fetch_one(&mut conn)
                .await
                .expect(sql)
        }
    }
}

/// One `payments-api` process and everything it printed.
struct Instance {
    child: Child,
    base: String,
    output: Arc<Mutex<String>>,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

fn api(db: &Database, extra: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_payments-api"));
    command
        .args(args)
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", "instances-secret-instances-secret-42")
        .env("SEED_DEMO", "false")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("LINK_RATE_LIMIT_PER_MINUTE", "100000")
        .envs(extra.iter().copied());
    command
}

impl Instance {
    async fn start(db: &Database, extra: &[(&str, &str)]) -> Instance {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let mut child = api(db, extra, &["serve"])
            .env("BIND_ADDRESS", &bind)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start payments-api");
        let output = Arc::new(Mutex::new(String::new()));
        let streams: [Box<dyn std::io::Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("stdout")),
            Box::new(child.stderr.take().expect("stderr")),
        ];
        for stream in streams {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut out = output.lock().expect("lock");
                    out.push_str(&line);
                    out.push('\n');
                }
            });
        }
        let instance = Instance {
            child,
            base: format!("http://{bind}"),
            output,
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = http.get(format!("{}/readyz", instance.base)).send().await {
                if r.status().is_success() {
                    return instance;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("payments-api did not become ready:\n{}", instance.output());
    }

    fn output(&self) -> String {
        self.output.lock().expect("lock").clone()
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL: no shutdown, no cleanup
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn prepare(db: &Database) {
    for args in [&["migrate"][..], &["seed", "--demo"][..]] {
        let output = api(db, &[], args).output().expect("run payments-api");
        assert!(
            output.status.success(),
            "payments-api {args:?} failed: {output:?}"
        );
    }
}

async fn post(
    base: &str,
    path: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/v1{path}"))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn login(base: &str, who: &str, email: &str, password: &str) -> String {
    let (status, body) = post(
        base,
        &format!("/auth/{who}/login"),
        None,
        None,
        &json!({"email": email, "password": password}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

async fn card_token(base: &str) -> String {
    let body =
        json!({"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"});
    let (status, body) = post(base, "/sandbox/tokenize", None, None, &body).await;
    assert_eq!(status, 200, "{body}");
    body["payment_token"].as_str().expect("token").to_owned()
}

fn sms_tokens(instances: &[Instance]) -> Vec<String> {
    let mut tokens = Vec::new();
    for instance in instances {
        for line in instance
            .output()
            .lines()
            .filter(|l| l.contains("sms_console"))
        {
            if let Some(after) = line.split("/my-account/pay#").nth(1) {
                tokens.push(after.chars().take(43).collect());
            }
        }
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_charge_each_link_and_key_once_and_send_each_sms_once() {
    let Some(db) = Database::create(true).await else {
        eprintln!("skipped: set TEST_DATABASE_URL=postgres://… (the test command does)");
        return;
    };
    prepare(&db);
    let instances = join_all((0..3).map(|_| Instance::start(&db, &[]))).await;
    let bases: Vec<&str> = instances.iter().map(|i| i.base.as_str()).collect();
    let staff = login(bases[0], "staff", "agent@example.com", "agent-demo-1").await;

    // Dana's past due is paid first, so each link carries only its own period (a link whose past due
    // another payment collected is refused as outdated).
    let paid_off = json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA});
    let key = Uuid::new_v4().to_string();
    let (status, body) = post(
        bases[0],
        &format!("/clients/{DANA}/payments"),
        Some(&staff),
        Some(&key),
        &paid_off,
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Four links, each sent through a different instance.
    const LINKS: usize = 4;
    for n in 0..LINKS {
        let body = json!({"client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14, "phone": "5125550143"});
        let key = Uuid::new_v4().to_string();
        let (status, body) = post(
            bases[n % 3],
            "/payment-links",
            Some(&staff),
            Some(&key),
            &body,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while sms_tokens(&instances).len() < LINKS && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every worker polls every second: give a duplicate the chance to happen.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tokens = sms_tokens(&instances);
    assert_eq!(tokens.len(), LINKS, "each SMS exactly once: {tokens:?}");

    // 24 concurrent redeems of every link, spread over the three instances.
    let mut cards = Vec::new();
    for n in 0..LINKS * 24 {
        cards.push(card_token(bases[n % 3]).await);
    }
    let redeems = cards.iter().enumerate().map(|(n, card)| {
        let token = &tokens[n % LINKS];
        let base = bases[n % 3];
        async move {
            let key = Uuid::new_v4().to_string();
            let body = json!({"payment_token": card, "accept_terms": true});
            post(
                base,
                &format!("/payment-links/{token}/redeem"),
                None,
                Some(&key),
                &body,
            )
            .await
        }
    });
    let answers = join_all(redeems).await;
    let paid = answers.iter().filter(|(s, _)| *s == 200).count();
    let summary: Vec<String> = answers
        .iter()
        .map(|(s, b)| format!("{s} {}", b["code"]))
        .collect();
    let errors: Vec<String> = instances
        .iter()
        .flat_map(|i| {
            i.output()
                .lines()
                .filter(|l| l.contains("ERROR"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(paid, LINKS, "one success per link: {summary:?} {errors:#?}");
    for (status, body) in &answers {
        assert!(
            *status == 200 || (*status == 410 && body["code"] == "link_used"),
            "{status} {body}"
        );
    }

    // One Take a Payment retried 9 times at once through the three instances.
    let key = Uuid::new_v4().to_string();
    let body = json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA});
    let path = format!("/clients/{DANA}/payments");
    let retries = (0..9).map(|n| post(bases[n % 3], &path, Some(&staff), Some(&key), &body));
    let answers = join_all(retries).await;
    let mut payment_ids: Vec<&Value> = Vec::new();
    for (status, body) in &answers {
        match status {
            200 | 201 => payment_ids.push(&body["payment_id"]),
            409 => assert_eq!(body["code"], "request_in_progress", "{body}"),
            _ => panic!("unexpected answer {status} {body}"),
        }
    }
    let (status, replay) = post(bases[2], &path, Some(&staff), Some(&key), &body).await;
    assert!(status == 200 || status == 201, "{replay}");
    assert!(payment_ids.iter().all(|id| **id == replay["payment_id"]));

    let count = |sql: &'static str| db.scalar(sql);
    assert_eq!(
        count("select count(*) from payments where payment_link_id is not null").await,
        LINKS as i64
    );
    assert_eq!(
        count("select count(*) from payments where method = 'card_on_file'").await,
        2,
        "the past due paid first, and one for all the retries"
    );
    assert_eq!(
        count("select count(*) from payments where status = 'succeeded'").await,
        LINKS as i64 + 2
    );
    assert_eq!(
        count("select count(*) from payment_links where status = 'paid'").await,
        LINKS as i64
    );
    assert_eq!(
        count("select count(*) from sms_outbox where status = 'delivered' and attempts = 1").await,
        LINKS as i64
    );
    drop(instances);
    db.drop().await;
}

/// A fake Stripe that records each PaymentIntent (one per `Idempotency-Key`,
/// as Stripe does) as soon as the request arrives, then answers slowly.
#[derive(Clone, Default)]
struct FakeStripe {
    intents: Arc<Mutex<HashMap<String, Value>>>,
}

impl Respond for FakeStripe {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.method.as_str() == "GET" {
            let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
            let wanted = query.get("query").cloned().unwrap_or_default();
            let data: Vec<Value> = self
                .intents
                .lock()
                .expect("lock")
                .iter()
                .filter(|(key, _)| wanted.contains(&format!("'{key}'")))
                .map(|(_, intent)| intent.clone())
                .collect();
            return ResponseTemplate::new(200)
                .set_body_json(json!({"object": "search_result", "data": data}));
        }
        let form: HashMap<String, String> =
            serde_urlencoded::from_bytes(&request.body).expect("form");
        let key = form["metadata[idempotency_key]"].clone();
        let mut intents = self.intents.lock().expect("lock");
        let count = intents.len();
        let intent = intents.entry(key.clone()).or_insert_with(|| {
            json!({
                "id": format!("pi_{count}"), "object": "payment_intent", "status": "succeeded",
                "amount": form["amount"].parse::<i64>().expect("amount"),
                "metadata": {"idempotency_key": key},
                "payment_method": {"id": "pm_1", "object": "payment_method",
                    "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}}
            })
        });
        ResponseTemplate::new(200)
            .set_body_json(intent.clone())
            .set_delay(Duration::from_secs(30))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_process_killed_while_the_gateway_charges_is_reconciled_after_restart_and_never_charges_twice(
) {
    let db = Database::create(false).await.expect("a database");
    prepare(&db);
    let stripe = MockServer::start().await;
    let fake = FakeStripe::default();
    Mock::given(wiremock::matchers::path_regex("^/v1/payment_intents"))
        .respond_with(fake.clone())
        .mount(&stripe)
        .await;
    let stripe_uri = stripe.uri();
    let env = [
        ("PAYMENT_GATEWAY", "stripe"),
        ("STRIPE_SECRET_KEY", "sk_test_fake"),
        ("STRIPE_API_BASE", stripe_uri.as_str()),
        ("RECONCILE_AFTER_SECONDS", "1"),
    ];
    let mut first = Instance::start(&db, &env).await;
    let client = login(&first.base, "client", "client@example.com", "client-demo-1").await;
    let key = Uuid::new_v4().to_string();
    let body =
        json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "payment_token": "pm_card_visa"});
    let base = first.base.clone();
    let started = tokio::time::Instant::now();
    let (client2, key2, body2) = (client.clone(), key.clone(), body.clone());
    let payment = tokio::spawn(async move {
        let request = reqwest::Client::new()
            .post(format!("{base}/api/v1/me/payments"))
            .bearer_auth(client2)
            .header("Idempotency-Key", key2)
            .json(&body2);
        request.send().await.map(|r| r.status().as_u16())
    });

    // The gateway has taken the charge and is slow to answer: kill the API now.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fake.intents.lock().expect("lock").is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the charge never reached the gateway"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    assert!(
        payment.await.expect("join").is_err(),
        "the killed process cannot have answered"
    );
    assert_eq!(
        db.scalar("select count(*) from payments where status = 'pending'")
            .await,
        1
    );

    // Restarted: the same request is refused while the first one's outcome
    // is open (it does not reach the gateway a second time)…
    let second = Instance::start(&db, &env).await;
    let (status, retry) = post(
        &second.base,
        "/me/payments",
        Some(&client),
        Some(&key),
        &body,
    )
    .await;
    assert_eq!(
        (status, retry["code"].as_str()),
        (409, Some("request_in_progress")),
        "{retry}"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // …the reconciler finds the charge by its key and records it…
    let reconciled = api(&db, &env, &["reconcile"]).output().expect("reconcile");
    assert!(
        reconciled.status.success(),
        "{}",
        String::from_utf8_lossy(&reconciled.stderr)
    );
    let settled =
        "select count(*) from payments where status = 'succeeded' and invoice_id is not null";
    assert_eq!(db.scalar(settled).await, 1);
    assert_eq!(db.scalar("select count(*) from payments").await, 1);
    assert_eq!(fake.intents.lock().expect("lock").len(), 1, "charged once");

    // …and once the dead request's claim on the key has gone stale (60 s), the
    // client's retry is answered with that payment, not a second charge.
    tokio::time::sleep_until(started + Duration::from_secs(61)).await;
    let (status, replay) = post(
        &second.base,
        "/me/payments",
        Some(&client),
        Some(&key),
        &body,
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {replay}");
    assert_eq!(replay["status"], "succeeded", "{replay}");
    assert_eq!(db.scalar("select count(*) from payments").await, 1);
    assert_eq!(fake.intents.lock().expect("lock").len(), 1, "charged once");
    drop(second);
    db.drop().await;
}

/// A TCP proxy in front of PostgreSQL that can cut every connection and
/// refuse new ones, as a database restart or failover does.
struct DbProxy {
    port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    cut: tokio::sync::watch::Sender<u64>,
}

impl DbProxy {
    async fn start(upstream: String) -> DbProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (cut, _) = tokio::sync::watch::channel(0u64);
        let (accepting, cuts) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !accepting.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: connection refused by a database that is down
                }
                let mut cut = cuts.subscribe();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        DbProxy { port, up, cut }
    }

    fn down(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.cut.send_modify(|generation| *generation += 1);
    }

    fn up(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn get_status(base: &str, path: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgresql_is_down_the_api_answers_503_and_it_recovers_without_a_restart() {
    let Some(db) = Database::create(true).await else {
        eprintln!("skipped: set TEST_DATABASE_URL=postgres://… (the test command does)");
        return;
    };
    prepare(&db);
    let target = db
        .url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("host:port");
    let proxy = DbProxy::start(target.to_owned()).await;
    let through_proxy = Database {
        url: db
            .url
            .replacen(target, &format!("127.0.0.1:{}", proxy.port), 1),
        drop_sql: None,
    };
    let instance = Instance::start(&through_proxy, &[]).await;
    let staff = login(&instance.base, "staff", "agent@example.com", "agent-demo-1").await;
    let client_path = format!("/api/v1/clients/{DANA}");
    assert_eq!(
        get_status(&instance.base, &client_path, &staff).await.0,
        200
    );

    proxy.down();
    let (status, problem) = get_status(&instance.base, &client_path, &staff).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (503, Some("service_unavailable")),
        "{problem}"
    );
    assert_eq!(get_status(&instance.base, "/readyz", &staff).await.0, 503);
    let body = json!({"client_id": DANA, "vehicle_id": DANA_CAMRY, "monitor_days": 14});
    let (status, _) = post(&instance.base, "/quote-summary", Some(&staff), None, &body).await;
    assert_eq!(status, 503);

    proxy.up();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while get_status(&instance.base, "/readyz", &staff).await.0 != 200 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the API did not recover"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        get_status(&instance.base, &client_path, &staff).await.0,
        200
    );
    let (status, quote) = post(&instance.base, "/quote-summary", Some(&staff), None, &body).await;
    assert_eq!(status, 200, "{quote}");
    drop(instance);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_lets_a_payment_in_flight_finish_before_the_process_exits() {
    let db = Database::create(false).await.expect("a database");
    prepare(&db);
    let mut instance = Instance::start(&db, &[("SANDBOX_LATENCY_MS", "1500")]).await;
    let client = login(
        &instance.base,
        "client",
        "client@example.com",
        "client-demo-1",
    )
    .await;
    let card = card_token(&instance.base).await;
    let base = instance.base.clone();
    let payment = tokio::spawn(async move {
        let body = json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "payment_token": card});
        let key = Uuid::new_v4().to_string();
        post(&base, "/me/payments", Some(&client), Some(&key), &body).await
    });
    tokio::time::sleep(Duration::from_millis(400)).await; // the charge is under way
    let pid = instance.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());

    let (status, paid) = payment.await.expect("join");
    assert_eq!(
        (status, paid["status"].as_str()),
        (201, Some("succeeded")),
        "{paid}"
    );
    let exit = instance.child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}\n{}", instance.output());
    assert_eq!(
        db.scalar("select count(*) from payments where status = 'succeeded'")
            .await,
        1
    );
    db.drop().await;
}

/// A PostgreSQL server of the test's own (initdb in a temporary folder, its
/// own port), so it can be stopped and started without disturbing the tests
/// that share the machine's server. As root, its programs run as `postgres`.
struct OwnPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl OwnPostgres {
    /// `None` when the server programs are not installed.
    fn start() -> Option<OwnPostgres> {
        let bin = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|dir| dir.join("initdb").exists())
            .or_else(|| {
                let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                    .ok()?
                    .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                    .filter(|dir| dir.join("initdb").exists())
                    .collect();
                dirs.sort();
                dirs.pop()
            })?;
        let server = OwnPostgres {
            bin,
            data: std::env::temp_dir().join(format!("payments-pg-{}", Uuid::new_v4().simple())),
            port: free_port(),
        };
        let data = server.data.display().to_string();
        server.run(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        server.up();
        Some(server)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let program = self.bin.join(program).display().to_string();
        let as_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mut command = if as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", &program]);
            c
        } else {
            Command::new(&program)
        };
        let output = command.args(args).output().expect(&program);
        assert!(output.status.success(), "{program} {args:?}: {output:?}");
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.data.display().to_string();
        let mut all = vec!["-D", &data];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.display()
        );
        let log = self.data.join("server.log").display().to_string();
        self.pg_ctl(&["start", "-w", "-l", &log, "-o", &options]);
    }

    /// A fast shutdown, as a restart does: sessions are terminated (57P01)
    /// and new connections refused until `up`.
    fn down(&self) {
        self.pg_ctl(&["stop", "-w", "-m", "fast"]);
    }

    /// A crash: every server process quits at once, without a checkpoint;
    /// `up` then recovers from the WAL. Commits whose WAL was not written yet
    /// (`synchronous_commit = off`) are lost.
    fn crash(&self) {
        self.pg_ctl(&["stop", "-w", "-m", "immediate"]);
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let _ = std::panic::catch_unwind(|| {
            self.run("pg_ctl", &["-D", &data, "stop", "-m", "immediate"])
        });
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgresql_crash_while_payments_are_taken_answers_503_then_recovers_and_charges_once() {
    if std::env::var("TEST_DATABASE_URL").is_err() {
        eprintln!("skipped: runs in the PostgreSQL pass (TEST_DATABASE_URL=postgres://…)");
        return;
    }
    let Some(server) = OwnPostgres::start() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI has no PostgreSQL server programs (initdb)"
        );
        eprintln!("skipped: no PostgreSQL server programs (initdb) here");
        return;
    };
    let mut admin = PgConnection::connect(&server.url("postgres"))
        .await
        .expect("connect");
    admin
        .execute("create database payments")
        .await
        .expect("create database");
    drop(admin);
    let db = Database {
        url: server.url("payments"),
        drop_sql: None,
    };
    prepare(&db);
    let instance = Instance::start(&db, &[]).await;
    let staff = login(&instance.base, "staff", "agent@example.com", "agent-demo-1").await;
    // Dana's past due is paid first: only one payment may collect it, the others would answer 409.
    let paid_off = json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA});
    let key = Uuid::new_v4().to_string();
    let path = format!("/clients/{DANA}/payments");
    let (status, body) = post(&instance.base, &path, Some(&staff), Some(&key), &paid_off).await;
    assert_eq!(status, 201, "{body}");

    // Four staff members take payments (each with a new key) the whole time.
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let takers = (0..4).map(|_| {
        let (base, staff, running) = (instance.base.clone(), staff.clone(), running.clone());
        tokio::spawn(async move {
            let body = json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA});
            let path = format!("/clients/{DANA}/payments");
            let mut answers = Vec::new();
            while running.load(std::sync::atomic::Ordering::SeqCst) {
                let key = Uuid::new_v4().to_string();
                let (status, answer) = post(&base, &path, Some(&staff), Some(&key), &body).await;
                answers.push((key, status, answer));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            answers
        })
    });
    let takers: Vec<_> = takers.collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    server.crash();
    assert_eq!(get_status(&instance.base, "/readyz", &staff).await.0, 503);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(get_status(&instance.base, "/readyz", &staff).await.0, 503);
    server.up();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while get_status(&instance.base, "/readyz", &staff).await.0 != 200 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the API did not recover:\n{}",
            instance.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.store(false, std::sync::atomic::Ordering::SeqCst);

    let mut answers = Vec::new();
    for taker in takers {
        answers.extend(taker.await.expect("join"));
    }
    let mut charged = 1; // the past due paid first
    let mut unsettled = 0;
    let mut refused = 0;
    for (key, status, answer) in &answers {
        let (status, answer) = match status {
            201 => (*status, answer.clone()),
            // Refused while the database was away: nothing is lost, the
            // same key is retried now that it is back.
            503 => {
                refused += 1;
                assert_eq!(answer["code"], "service_unavailable", "{answer}");
                let body =
                    json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA});
                post(
                    &instance.base,
                    &format!("/clients/{DANA}/payments"),
                    Some(&staff),
                    Some(key),
                    &body,
                )
                .await
            }
            _ => panic!("a request during the restart answered {status}: {answer}"),
        };
        match status {
            200 | 201 => {
                assert_eq!(answer["status"], "succeeded", "{answer}");
                charged += 1;
            }
            // Its charge was under way when the database went: the key stays
            // taken until it is stale, and the payment row is the reconciler's.
            409 => {
                assert_eq!(answer["code"], "request_in_progress", "{answer}");
                unsettled += 1;
            }
            _ => panic!("a retry after the restart answered {status}: {answer}"),
        }
    }
    eprintln!("{charged} charged, {refused} refused while PostgreSQL restarted (then retried), {unsettled} in progress");
    assert!(refused > 0, "the restart was not felt: {answers:?}");
    assert!(charged > 1, "no payment was taken around the restart");
    // Each key is one payment at most; every answered success is in the
    // books; a key still in progress may or may not have settled.
    let payments = db.scalar("select count(*) from payments").await;
    let succeeded = db
        .scalar("select count(*) from payments where status = 'succeeded'")
        .await;
    assert!(
        payments <= charged + unsettled,
        "{payments} payments for {} keys",
        charged + unsettled
    );
    assert!(
        (charged..=charged + unsettled).contains(&succeeded),
        "{succeeded} succeeded, {charged} answered"
    );

    // A restart while nothing is asked: the pools keep connections from
    // before it, which must not be handed out unchecked once it is back.
    server.down();
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.up();
    let body = json!({"vehicle_id": DANA_CAMRY, "monitor_days": 14, "card_id": DANA_VISA});
    let path = format!("/clients/{DANA}/payments");
    let after = futures_util::future::join_all((0..8).map(|_| {
        let key = Uuid::new_v4().to_string();
        let (base, staff, body, path) = (&instance.base, &staff, &body, &path);
        async move { post(base, path, Some(staff), Some(&key), body).await }
    }))
    .await;
    for (status, answer) in after {
        assert_eq!(status, 201, "after an idle restart: {answer}");
    }
    drop(instance);
}
