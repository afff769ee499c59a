//! `spawn_app()`: the real application on a random port against a fresh
//! database — SQLite by default, PostgreSQL when `TEST_DATABASE_URL` is a
//! postgres:// URL (a new database per test, dropped afterwards).

use payments_api::app::{open_store, sms_sender, Adapters, Application};
use payments_api::clock::Clock;
use payments_api::config::{GatewaySettings, Settings};
use payments_api::gateway::SandboxGateway;
use payments_api::state::AppState;
use payments_api::store::Store;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use uuid::Uuid;

pub use payments_api::seed::*;

/// Every log line written by any app in this test binary.
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = LogBuffer(buffer.clone());
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,sqlx=info,h2=info,hyper=info,reqwest=info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buffer
    })
    .clone()
}

/// Everything logged so far by the apps of this test binary.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&capture_logs().lock().expect("log buffer").clone()).into_owned()
}

/// Everything the test database holds, as text: the SQLite file's bytes, or
/// every row of every table on PostgreSQL.
pub async fn database_text(app: &TestApp) -> String {
    match &app._db {
        TestDb::Sqlite { path } => {
            let mut bytes = Vec::new();
            for suffix in ["", "-wal"] {
                bytes.extend(
                    std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default(),
                );
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        TestDb::Postgres { admin_url, name } => {
            let url = format!(
                "{}/{name}",
                admin_url
                    .rsplit_once('/')
                    .map(|(s, _)| s)
                    .unwrap_or_default()
            );
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            let tables: Vec<String> = sqlx::query_scalar(
                "select tablename::text from pg_tables where schemaname = 'public'",
            )
            .fetch_all(&mut conn)
            .await
            .expect("tables");
            let mut text = String::new();
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!(r#"select t::text from "{table}" t"#))
                        .fetch_all(&mut conn)
                        .await
                        .expect("rows");
                text.extend(rows);
            }
            text
        }
    }
}

/// A database that exists for one test.
pub(crate) enum TestDb {
    Sqlite { path: std::path::PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    async fn create() -> (TestDb, String) {
        let id = Uuid::new_v4().simple().to_string();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("payments_test_{id}");
                let mut conn = PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                conn.execute(format!(r#"create database "{name}""#).as_str())
                    .await
                    .expect("create test database");
                let url = match admin_url.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => unreachable!("a postgres URL has a path"),
                };
                (TestDb::Postgres { admin_url, name }, url)
            }
            _ => {
                let path = std::env::temp_dir().join(format!("payments-test-{id}.db"));
                let url = format!("sqlite://{}", path.display());
                (TestDb::Sqlite { path }, url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDb::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                            let _ = conn
                                .execute(
                                    format!(r#"drop database if exists "{name}" with (force)"#)
                                        .as_str(),
                                )
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub clock: Arc<Clock>,
    /// The sandbox gateway the app charges: counts real charges.
    pub gateway: Arc<SandboxGateway>,
    /// The app's state, for running jobs (reconcile, Auto Pay) as `serve` does.
    pub state: actix_web::web::Data<AppState>,
    pub(crate) _db: TestDb,
}

/// The app with demo data and default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The app with demo data and extra environment-style settings.
pub async fn spawn_app_with(vars: &[(&str, &str)]) -> TestApp {
    capture_logs();
    let (db, url) = TestDb::create().await;
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), url),
        ("BIND_ADDRESS".into(), "127.0.0.1:0".into()),
        (
            "JWT_SECRET".into(),
            "test-secret-test-secret-test-secret".into(),
        ),
        ("SEED_DEMO".into(), "true".into()),
    ]);
    env.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let settings = Settings::from_vars(&env).expect("test settings");
    let clock = Arc::new(Clock::default());
    let store = open_store(&settings, &clock)
        .await
        .expect("open test store");
    let gateway = Arc::new(match settings.gateway {
        GatewaySettings::Sandbox { latency_ms } => {
            SandboxGateway::new(std::time::Duration::from_millis(latency_ms))
        }
        _ => SandboxGateway::default(),
    });
    let adapters = Adapters {
        sms: sms_sender(&settings.sms),
        ..Adapters::sandbox(gateway.clone())
    };
    let app =
        Application::build(settings, store.clone(), clock.clone(), adapters).expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        http: reqwest::Client::new(),
        store,
        clock,
        gateway,
        state,
        _db: db,
    }
}

/// A response's status and JSON body (Null when the body is not JSON).
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.json().await.unwrap_or(Value::Null);
        Reply {
            status,
            body,
            content_type,
        }
    }

    /// The problem `code` of an error reply.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }

    pub fn assert_problem_status(&self, status: u16) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
    }

    /// Asserts this is a problem+json reply with `status` and `code`.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "body: {}",
            self.body
        );
        assert_eq!(self.content_type, "application/problem+json");
        assert_eq!(self.body["status"], status);
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        let mut request = self
            .http
            .post(self.url(&format!("/api/v1{path}")))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().await.expect("POST")).await
    }

    /// POST with an `Idempotency-Key`.
    pub async fn post_idempotent(
        &self,
        path: &str,
        token: Option<&str>,
        key: &str,
        body: &Value,
    ) -> Reply {
        let mut request = self
            .http
            .post(self.url(&format!("/api/v1{path}")))
            .header("idempotency-key", key)
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().await.expect("POST")).await
    }

    /// POST with a raw body and content type, for malformed-input tests.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let mut request = self
            .http
            .post(self.url(&format!("/api/v1{path}")))
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().await.expect("POST")).await
    }

    /// Any method with a raw body and content type, and a fresh `Idempotency-Key`
    /// (so money-moving operations get as far as reading the body).
    pub async fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, self.url(&format!("/api/v1{path}")))
            .header("idempotency-key", Uuid::new_v4().to_string())
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Reply::from(request.send().await.expect("request")).await
    }

    pub async fn login(&self, who: &str, email: &str, password: &str) -> Reply {
        self.post(
            &format!("/auth/{who}/login"),
            None,
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    async fn token(&self, who: &str, email: &str, password: &str) -> String {
        let reply = self.login(who, email, password).await;
        assert_eq!(reply.status, 200, "{} login: {}", who, reply.body);
        reply.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A token for the demo agent.
    pub async fn agent_token(&self) -> String {
        self.token("staff", "agent@example.com", "agent-demo-1")
            .await
    }

    /// A token for the demo client (Dana).
    pub async fn client_token(&self) -> String {
        self.token("client", "client@example.com", "client-demo-1")
            .await
    }

    /// A single-use sandbox token for a test card number.
    pub async fn tokenize(&self, number: &str) -> String {
        let reply = self
            .post(
                "/sandbox/tokenize",
                None,
                &json!({ "number": number, "exp_month": 12, "exp_year": 2030, "cvc": "987" }),
            )
            .await;
        assert_eq!(reply.status, 200, "tokenize: {}", reply.body);
        reply.body["payment_token"]
            .as_str()
            .expect("payment_token")
            .to_owned()
    }

    /// Take a Payment for Dana's Camry, 14 days, with her Visa on file.
    pub async fn take_payment(&self, token: &str, key: &str) -> Reply {
        self.take_payment_for(token, key, DANA, DANA_CAMRY, 14, DANA_VISA)
            .await
    }

    pub async fn take_payment_for(
        &self,
        token: &str,
        key: &str,
        client: Uuid,
        vehicle: Uuid,
        days: i64,
        card: Uuid,
    ) -> Reply {
        let body = json!({ "vehicle_id": vehicle, "monitor_days": days, "card_id": card });
        self.post_idempotent(
            &format!("/clients/{client}/payments"),
            Some(token),
            key,
            &body,
        )
        .await
    }

    /// Make a Payment as the demo client (Dana) for her Camry, 14 days.
    pub async fn make_payment(&self, token: &str, key: &str, extra: Value) -> Reply {
        let mut body = json!({ "vehicle_id": DANA_CAMRY, "monitor_days": 14 });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.post_idempotent("/me/payments", Some(token), key, &body)
            .await
    }

    pub async fn account_history(&self, token: &str, client: Uuid) -> Value {
        let reply = self
            .get(
                &format!("/api/v1/clients/{client}/account-history"),
                Some(token),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    pub async fn client_log(&self, token: &str, client: Uuid) -> Vec<String> {
        let reply = self
            .get(&format!("/api/v1/clients/{client}/log"), Some(token))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply
            .body
            .as_array()
            .expect("log")
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub async fn quote(&self, token: &str, client_id: Uuid, vehicle_id: Uuid, days: i64) -> Reply {
        self.post(
            "/quote-summary",
            Some(token),
            &json!({ "client_id": client_id, "vehicle_id": vehicle_id, "monitor_days": days }),
        )
        .await
    }
}
