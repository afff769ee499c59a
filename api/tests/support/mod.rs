//! What the API tests (`tests/api`) and the process tests (`tests/instances.rs`)
//! share: `spawn_app()` (the real application on a random port against a fresh
//! database: SQLite by default, PostgreSQL when `TEST_DATABASE_URL` is a
//! postgres:// URL, a new database per test, dropped afterwards), one request
//! builder, the demo data's ids and logins (from the crate's seed module), and
//! `eventually` for waiting on a condition with a deadline.
//!
//! Each app logs into its own buffer and sends its SMS through its own
//! recording sender, so a test observes only the app it started, however many
//! tests run at once.

// Each test binary uses part of this module.
#![allow(dead_code)]

use payments_api::app::{open_store, sms_sender, Adapters, Application};
use payments_api::clock::Clock;
use payments_api::config::{GatewaySettings, Settings};
use payments_api::domain::ChargeKey;
use payments_api::gateway::{
    ChargeOutcome, ChargeRequest, GatewayError, PaymentGateway, RefundOutcome, RefundRequest,
    SandboxGateway, SavedCard,
};
use payments_api::sms::{SmsError, SmsMessage, SmsReceipt, SmsSender};
use payments_api::state::AppState;
use payments_api::store::Store;
use serde_json::{json, Value};
use sqlx::{Connection, Executor, PgConnection};
use std::collections::HashMap;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::instrument::WithSubscriber;
use uuid::Uuid;

pub use payments_api::seed::*;

pub mod twilio;

/// The version of the usage terms in force, which every redeem names
/// (`terms_version`).
pub const TERMS_VERSION: &str = payments_api::domain::terms::CURRENT.version;

/// The CVC every sandbox card of the tests is tokenized with.
pub const TEST_CVC: &str = "987";

/// A fresh `Idempotency-Key`.
pub fn key() -> String {
    Uuid::new_v4().to_string()
}

/// One app's log: every event its requests and its jobs logged, as the
/// pretty (non-JSON) formatter writes them.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

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

impl LogBuffer {
    /// A subscriber that writes into this buffer, at debug level.
    fn dispatch(&self) -> tracing::Dispatch {
        let writer = self.clone();
        tracing::Dispatch::new(
            tracing_subscriber::fmt()
                .with_env_filter("debug,sqlx=info,h2=info,hyper=info,reqwest=info")
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .finish(),
        )
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

/// One SMS as the app handed it to its sender.
#[derive(Clone, Debug)]
pub struct SentSms {
    pub to: String,
    pub body: String,
}

impl SentSms {
    /// The payment link token in the message, if it carries a link.
    pub fn link_token(&self) -> Option<String> {
        let after = self.body.split("/my-account/pay#").nth(1)?;
        Some(
            after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect(),
        )
    }
}

/// An `SmsSender` that keeps every message it is given, in order, then hands
/// it to the sender the settings chose (console or a Twilio fake).
pub struct RecordingSender {
    inner: Arc<dyn SmsSender>,
    sent: Mutex<Vec<SentSms>>,
}

impl RecordingSender {
    pub fn new(inner: Arc<dyn SmsSender>) -> RecordingSender {
        RecordingSender {
            inner,
            sent: Mutex::new(Vec::new()),
        }
    }

    pub fn sent(&self) -> Vec<SentSms> {
        self.sent.lock().expect("sent SMS").clone()
    }
}

#[async_trait::async_trait]
impl SmsSender for RecordingSender {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn send(&self, message: &SmsMessage<'_>) -> Result<SmsReceipt, SmsError> {
        self.sent.lock().expect("sent SMS").push(SentSms {
            to: message.to.to_owned(),
            body: message.body.to_owned(),
        });
        self.inner.send(message).await
    }
}

/// Polls `condition` until it returns `Some`, or panics naming `what` once
/// `within` has passed. The way to wait for something another task or
/// process does; never a fixed sleep.
pub async fn eventually<T, F, Fut>(what: &str, within: Duration, condition: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    match wait_until(within, condition).await {
        Some(value) => value,
        None => panic!("{what}: not within {within:?}"),
    }
}

/// How long a change made on another instance, or in SQL, may take to reach
/// an instance's cache of sessions and keys (`auth::cache`): PostgreSQL
/// delivers the `auth_changes` notice at the change's commit and the
/// instance's listener applies it, asynchronously, so a request sent right
/// after the change may still be served (well under a millisecond; the
/// deadline is for a loaded machine). Changes an instance makes itself
/// apply to it at once.
pub const NOTICE_DEADLINE: Duration = Duration::from_secs(2);

/// Waits until `request` answers `401 unauthorized` (within
/// [`NOTICE_DEADLINE`]).
pub async fn refused_once_heard<F, Fut>(what: &str, mut request: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Reply>,
{
    let last = eventually(what, NOTICE_DEADLINE, || {
        let reply = request();
        async move {
            let reply = reply.await;
            (reply.status == 401).then_some(reply)
        }
    })
    .await;
    last.assert_problem(401, "unauthorized");
}

/// Polls `condition` until it returns `Some`; `None` once `within` has passed.
pub async fn wait_until<T, F, Fut>(within: Duration, mut condition: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = condition().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Everything the test database holds, as text: the SQLite file's bytes, or
/// every row of every table on PostgreSQL.
pub async fn database_text(app: &TestApp) -> String {
    match app._db.as_ref() {
        TestDb::Sqlite { path } => {
            let mut bytes = Vec::new();
            for suffix in ["", "-wal"] {
                bytes.extend(
                    std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default(),
                );
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        TestDb::Postgres { .. } => {
            let mut conn = PgConnection::connect(&app._db.url())
                .await
                .expect("connect");
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

/// Runs one SQL statement on the test's database, behind the app's back (for
/// changes no endpoint makes, such as a location that stops taking payments).
pub async fn execute_sql(app: &TestApp, sql: &str) {
    if let Err(error) = try_execute_sql(app, sql).await {
        panic!("{sql}: {error}");
    }
}

/// A UUID as an SQL literal of the test's store (a 16-byte blob on SQLite, a
/// `uuid` on PostgreSQL), for [`execute_sql`].
pub fn uuid_sql(app: &TestApp, id: uuid::Uuid) -> String {
    match app._db.as_ref() {
        TestDb::Sqlite { .. } => format!("x'{}'", id.simple()),
        TestDb::Postgres { .. } => format!("'{id}'"),
    }
}

/// [`execute_sql`], answering the database's refusal (a constraint) instead
/// of failing the test. Foreign keys are enforced on both stores.
pub async fn try_execute_sql(app: &TestApp, sql: &str) -> Result<(), String> {
    let url = app._db.url();
    match app._db.as_ref() {
        TestDb::Sqlite { .. } => {
            let mut conn = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            conn.execute(sql)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        TestDb::Postgres { .. } => {
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            conn.execute(sql)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

/// Runs one query on the test's database, behind the app's back, and reads
/// its rows (for what no endpoint shows, such as a column as stored).
pub async fn query_rows<T>(app: &TestApp, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin,
{
    let url = app._db.url();
    match app._db.as_ref() {
        TestDb::Sqlite { .. } => {
            let mut conn = sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect");
            sqlx::query_as(sql).fetch_all(&mut conn).await.expect(sql)
        }
        TestDb::Postgres { .. } => {
            let mut conn = PgConnection::connect(&url).await.expect("connect");
            sqlx::query_as(sql).fetch_all(&mut conn).await.expect(sql)
        }
    }
}

/// Set by the test command's PostgreSQL pass (`scripts/test`): a
/// PostgreSQL-only test that cannot run there fails instead of skipping.
pub const REQUIRE_TEST_DATABASE: &str = "REQUIRE_TEST_DATABASE";

/// The server PostgreSQL-only tests make their databases on
/// (`TEST_DATABASE_URL`), or `None` when there is none: the test is then
/// skipped with a message on stderr, unless `REQUIRE_TEST_DATABASE=1` says it must run, where it panics.
pub fn postgres_for(test: &str) -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => Some(url),
        _ => {
            skip(
                test,
                "it needs PostgreSQL: set TEST_DATABASE_URL=postgres://… (the test command's PostgreSQL pass does)",
            );
            None
        }
    }
}

/// Skips `test` for `why`, loudly: a panic when `REQUIRE_TEST_DATABASE=1`
/// (the test command's PostgreSQL pass, where nothing may be skipped).
pub fn skip(test: &str, why: &str) {
    if std::env::var(REQUIRE_TEST_DATABASE).is_ok_and(|v| v == "1") {
        panic!("{test} would be skipped ({why}), and {REQUIRE_TEST_DATABASE}=1 says it must run");
    }
    // Written to stderr itself, not through `eprintln!`, which the test
    // harness captures: a plain `cargo test` shows what it did not test.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Whether the test's database is PostgreSQL (else SQLite).
pub fn on_postgres(app: &TestApp) -> bool {
    matches!(app._db.as_ref(), TestDb::Postgres { .. })
}

/// The test's database URL, for a store of the test's own.
pub fn database_url(app: &TestApp) -> String {
    app._db.url()
}

/// A database that exists for one test.
pub(crate) enum TestDb {
    Sqlite { path: std::path::PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// The database's URL: the test database's name on the admin URL's server.
    fn url(&self) -> String {
        match self {
            TestDb::Sqlite { path } => format!("sqlite://{}", path.display()),
            TestDb::Postgres { admin_url, name } => {
                let server = admin_url.rsplit_once('/').map_or("", |(server, _)| server);
                format!("{server}/{name}")
            }
        }
    }

    async fn create() -> (TestDb, String) {
        let id = Uuid::new_v4().simple().to_string();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                let name = format!("payments_test_{id}");
                let template = postgres_template(&admin_url).await;
                let mut conn = PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                conn.execute(format!(r#"create database "{name}" template "{template}""#).as_str())
                    .await
                    .expect("create test database");
                let db = TestDb::Postgres { admin_url, name };
                let url = db.url();
                (db, url)
            }
            _ => {
                let path = std::env::temp_dir().join(format!("payments-test-{id}.db"));
                std::fs::copy(sqlite_template().await, &path).expect("copy the migrated template");
                let db = TestDb::Sqlite { path };
                let url = db.url();
                (db, url)
            }
        }
    }
}

/// A test database starts as a copy of one migrated at most once per schema:
/// applying the migrations one by one cost each test about a fifth of a
/// second, most of a small test. The app then finds every migration applied
/// (`_sqlx_migrations` is copied too) and seeds as on any empty database.
///
/// The schema's identity: the versions and checksums of the migrations the
/// app embeds, so a changed or added migration makes a new template.
fn schema_id(migrator: &sqlx::migrate::Migrator) -> String {
    use sha2::{Digest, Sha256};
    let mut digest = Sha256::new();
    for migration in migrator.iter() {
        digest.update(migration.version.to_be_bytes());
        digest.update(&migration.checksum);
    }
    digest.finalize()[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The migrated PostgreSQL template on the server of `admin_url`: made once,
/// by whichever test process gets there first (an advisory lock keeps two
/// processes from making it at once), and left on the server for the next
/// run; templates of other schemas are dropped when a new one is made.
async fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let migrator = sqlx::migrate!("../migrations/postgres");
            let name = format!("payments_template_{}", schema_id(&migrator));
            let mut admin = PgConnection::connect(admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            // Any fixed key: only this function takes it.
            admin
                .execute("select pg_advisory_lock(7013400001)")
                .await
                .expect("lock the template");
            let exists: bool =
                sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .expect("look for the template");
            if !exists {
                let stale: Vec<String> = sqlx::query_scalar(
                    "select datname from pg_database where datname like 'payments\\_template\\_%'",
                )
                .fetch_all(&mut admin)
                .await
                .expect("list old templates");
                for old in stale {
                    admin
                        .execute(
                            format!(r#"drop database if exists "{old}" with (force)"#).as_str(),
                        )
                        .await
                        .expect("drop an old template");
                }
                // Made under another name and renamed once migrated: a process
                // killed half-way leaves no template that looks finished.
                let building = format!("{name}_building");
                admin
                    .execute(
                        format!(r#"drop database if exists "{building}" with (force)"#).as_str(),
                    )
                    .await
                    .expect("drop a half-made template");
                admin
                    .execute(format!(r#"create database "{building}""#).as_str())
                    .await
                    .expect("create the template");
                let server = admin_url.rsplit_once('/').map_or("", |(server, _)| server);
                let mut conn = PgConnection::connect(&format!("{server}/{building}"))
                    .await
                    .expect("connect to the template");
                migrator.run(&mut conn).await.expect("migrate the template");
                conn.close().await.expect("disconnect from the template");
                admin
                    .execute(format!(r#"alter database "{building}" rename to "{name}""#).as_str())
                    .await
                    .expect("name the template");
            }
            admin
                .execute("select pg_advisory_unlock(7013400001)")
                .await
                .expect("unlock the template");
            name
        })
        .await
        .clone()
}

/// The migrated SQLite template: a file in the temp folder named by its
/// schema, made once (built under a name of its own, then renamed into place,
/// so a process never copies a half-made one) and copied for each test.
async fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: tokio::sync::OnceCell<std::path::PathBuf> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            use sqlx::sqlite::SqliteConnectOptions;
            let migrator = sqlx::migrate!("../migrations/sqlite");
            let name = format!("payments-template-{}.db", schema_id(&migrator));
            let path = std::env::temp_dir().join(name);
            if path.exists() {
                return path;
            }
            let building = path.with_extension(format!("{}.building", Uuid::new_v4().simple()));
            let mut conn = sqlx::SqliteConnection::connect_with(
                &SqliteConnectOptions::new()
                    .filename(&building)
                    .create_if_missing(true),
            )
            .await
            .expect("create the SQLite template");
            migrator
                .run(&mut conn)
                .await
                .expect("migrate the SQLite template");
            conn.close().await.expect("close the SQLite template");
            std::fs::rename(&building, &path).expect("name the SQLite template");
            path
        })
        .await
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite { path } => remove_sqlite_files(path),
            TestDb::Postgres { admin_url, name } => drop_postgres_database(admin_url, name),
        }
    }
}

/// Removes SQLite database `path` with its `-wal` and `-shm` files (those
/// missing are skipped).
pub fn remove_sqlite_files(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

/// Drops PostgreSQL database `name` on the server of `admin_url`, from a
/// `Drop` inside or outside a runtime: on a thread with its own runtime,
/// waited for. A server that cannot be reached leaves it (errors ignored).
pub fn drop_postgres_database(admin_url: &str, name: &str) {
    let (admin_url, name) = (admin_url.to_owned(), name.to_owned());
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                let _ = conn
                    .execute(format!(r#"drop database if exists "{name}" with (force)"#).as_str())
                    .await;
            }
        });
    })
    .join();
}

pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub clock: Arc<Clock>,
    /// The sandbox gateway the app charges: counts real charges.
    pub gateway: Arc<SandboxGateway>,
    /// The app's state, for running jobs (status sync, Auto Pay) as `serve` does.
    pub state: actix_web::web::Data<AppState>,
    /// Every SMS the app sent.
    pub sms: Arc<RecordingSender>,
    logs: LogBuffer,
    log_dispatch: tracing::Dispatch,
    /// Shared by the instances of one test ([`TestApp::another_instance`]);
    /// dropped with the last.
    pub(crate) _db: Arc<TestDb>,
    /// The settings it was started with.
    vars: Vec<(String, String)>,
}

/// The app with demo data and default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// The app with demo data and extra environment-style settings.
pub async fn spawn_app_with(vars: &[(&str, &str)]) -> TestApp {
    let (db, _) = TestDb::create().await;
    let vars = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    start(Arc::new(db), vars, None).await
}

/// The app whose gateway search never finds a charge (Stripe documents its
/// search as lagging, unsuited to read-after-write): a lookup answers "not
/// found" though the charge was made.
pub async fn spawn_app_with_lagging_search(vars: &[(&str, &str)]) -> TestApp {
    let (db, _) = TestDb::create().await;
    let vars = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    start(
        Arc::new(db),
        vars,
        Some(Box::new(|sandbox| Arc::new(LaggingSearch(sandbox)))),
    )
    .await
}

/// The app charging through `gateway` (a Stripe adapter talking to a local
/// fake, say) instead of its sandbox; `/sandbox/tokenize` still works.
pub async fn spawn_app_with_gateway(
    vars: &[(&str, &str)],
    gateway: Arc<dyn PaymentGateway>,
) -> TestApp {
    let (db, _) = TestDb::create().await;
    let vars = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    start(Arc::new(db), vars, Some(Box::new(move |_| gateway))).await
}

/// The sandbox, with a search that has not caught up.
struct LaggingSearch(Arc<SandboxGateway>);

#[async_trait::async_trait]
impl PaymentGateway for LaggingSearch {
    fn name(&self) -> &'static str {
        "sandbox"
    }
    async fn charge(&self, request: &ChargeRequest<'_>) -> Result<ChargeOutcome, GatewayError> {
        self.0.charge(request).await
    }
    async fn lookup(&self, _: &ChargeKey) -> Result<Option<ChargeOutcome>, GatewayError> {
        Ok(None)
    }
    async fn save_card(&self, token: &str, customer: &str) -> Result<SavedCard, GatewayError> {
        self.0.save_card(token, customer).await
    }
    async fn detach_card(&self, gateway_token: &str) -> Result<(), GatewayError> {
        self.0.detach_card(gateway_token).await
    }
    async fn customer(&self, client_ref: &str) -> Result<String, GatewayError> {
        self.0.customer(client_ref).await
    }
    async fn retrieve(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        self.0.retrieve(reference).await
    }
    async fn cancel(&self, reference: &str) -> Result<ChargeOutcome, GatewayError> {
        self.0.cancel(reference).await
    }
    async fn refund(&self, request: &RefundRequest<'_>) -> Result<RefundOutcome, GatewayError> {
        self.0.refund(request).await
    }
    async fn lookup_refund(
        &self,
        charge_reference: &str,
        key: &str,
    ) -> Result<Option<RefundOutcome>, GatewayError> {
        self.0.lookup_refund(charge_reference, key).await
    }
}

/// Replaces the app's gateway (built around its sandbox).
type GatewayOverride = Box<dyn FnOnce(Arc<SandboxGateway>) -> Arc<dyn PaymentGateway>>;

impl TestApp {
    /// A second API instance on the same database, with the same settings
    /// and its own state (as another process behind the load balancer).
    /// Waits until the instance serves checked sessions and keys from its
    /// cache (`auth::cache`: live once its PostgreSQL listener listens), so
    /// a test of a change exercises the cache; SQLite never caches.
    pub async fn with_auth_cache(self) -> TestApp {
        if matches!(self._db.as_ref(), TestDb::Postgres { .. }) {
            let cache = self.state.auth_cache.clone();
            eventually("the auth cache is live", Duration::from_secs(10), || {
                let live = cache.is_live();
                async move { live.then_some(()) }
            })
            .await;
        }
        self
    }

    /// A second instance on this app's database, its clock showing the same
    /// time as this app's (tests move each instance's clock by the same
    /// amounts, as two servers' clocks agree).
    pub async fn another_instance(&self) -> TestApp {
        start_at(
            self._db.clone(),
            self.vars.clone(),
            None,
            Some(self.clock.same_time()),
        )
        .await
    }
}

async fn start(
    db: Arc<TestDb>,
    vars: Vec<(String, String)>,
    gateway_override: Option<GatewayOverride>,
) -> TestApp {
    start_at(db, vars, gateway_override, None).await
}

/// Starts an app; its clock is `clock`, or a new one frozen at the system time.
async fn start_at(
    db: Arc<TestDb>,
    vars: Vec<(String, String)>,
    gateway_override: Option<GatewayOverride>,
    clock: Option<Clock>,
) -> TestApp {
    let logs = LogBuffer::default();
    let log_dispatch = logs.dispatch();
    let mut env: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), db.url()),
        ("BIND_ADDRESS".into(), "127.0.0.1:0".into()),
        (
            "JWT_SECRET".into(),
            "test-secret-test-secret-test-secret".into(),
        ),
        ("SEED_DEMO".into(), "true".into()),
    ]);
    env.extend(vars.iter().cloned());
    let settings = Settings::from_vars(&env).expect("test settings");
    // Time in a test moves only when the test moves it (see `Clock::freeze`).
    let clock = Arc::new(clock.unwrap_or_else(|| {
        let clock = Clock::default();
        clock.freeze();
        clock
    }));
    let store = open_store(&settings, &clock)
        .with_subscriber(log_dispatch.clone())
        .await
        .expect("open test store");
    let gateway = Arc::new(match settings.gateway {
        GatewaySettings::Sandbox { latency_ms } => {
            SandboxGateway::new(std::time::Duration::from_millis(latency_ms))
        }
        _ => SandboxGateway::default(),
    });
    let sms = Arc::new(RecordingSender::new(sms_sender(&settings.sms)));
    let mut adapters = Adapters {
        sms: sms.clone(),
        ..Adapters::sandbox(gateway.clone())
    };
    if let Some(wrap) = gateway_override {
        adapters.gateway = wrap(gateway.clone());
    }
    let app = Application::build_with_logs(
        settings,
        store.clone(),
        clock.clone(),
        adapters,
        Some(log_dispatch.clone()),
    )
    .expect("build app");
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
        sms,
        logs,
        log_dispatch,
        _db: db,
        vars,
    }
}

/// A response's status and JSON body (Null when the body is not JSON).
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
    /// `Retry-After`, in seconds, when sent.
    pub retry_after: Option<i64>,
}

/// One request to an API under test, built up from what it needs: a bearer
/// token, an `Idempotency-Key`, a JSON or raw body.
pub struct Call(reqwest::RequestBuilder);

impl Call {
    /// `method` of the absolute `url`.
    pub fn new(http: &reqwest::Client, method: &str, url: &str) -> Call {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        Call(http.request(method, url))
    }

    pub fn token(self, token: Option<&str>) -> Call {
        match token {
            Some(token) => Call(self.0.bearer_auth(token)),
            None => self,
        }
    }

    pub fn key(self, key: &str) -> Call {
        Call(self.0.header("idempotency-key", key))
    }

    /// The payment link's token, in the `Payment-Link-Token` header.
    pub fn link_token(self, token: &str) -> Call {
        Call(self.0.header("payment-link-token", token))
    }

    pub fn header(self, name: &str, value: &str) -> Call {
        Call(self.0.header(name, value))
    }

    pub fn json(self, body: &Value) -> Call {
        Call(self.0.json(body))
    }

    /// A body sent as is, with its content type (for malformed-input tests).
    pub fn raw(self, content_type: &str, body: &str) -> Call {
        Call(
            self.0
                .header("content-type", content_type)
                .body(body.to_owned()),
        )
    }

    /// Sends it; panics only when no answer came at all.
    pub async fn send(self) -> Reply {
        Reply::from(self.0.send().await.expect("request")).await
    }

    /// Sends it; `Err` when no answer came (the server was killed).
    pub async fn try_send(self) -> Result<Reply, reqwest::Error> {
        Ok(Reply::from(self.0.send().await?).await)
    }
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
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = response.json().await.unwrap_or(Value::Null);
        Reply {
            status,
            body,
            content_type,
            retry_after,
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

    /// A request to `path` under `/api/v1`.
    pub fn call(&self, method: &str, path: &str) -> Call {
        Call::new(&self.http, method, &self.url(&format!("/api/v1{path}")))
    }

    /// GET of a path from the server's root (`/api/v1/…`, `/readyz`).
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        Call::new(&self.http, "GET", &self.url(path))
            .token(token)
            .send()
            .await
    }

    /// `/metrics` as text (no `METRICS_TOKEN` in tests).
    pub async fn metrics(&self) -> String {
        self.http
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("the metrics text")
    }

    /// Opens the payment link with `token` as the pay page does (`get_link`).
    pub async fn open_link(&self, token: &str) -> Reply {
        self.call("GET", "/payment-link")
            .link_token(token)
            .send()
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.call("POST", path).token(token).json(body).send().await
    }

    /// POST with an `Idempotency-Key`.
    pub async fn post_idempotent(
        &self,
        path: &str,
        token: Option<&str>,
        key: &str,
        body: &Value,
    ) -> Reply {
        self.call("POST", path)
            .token(token)
            .key(key)
            .json(body)
            .send()
            .await
    }

    /// POST with a raw body and content type, for malformed-input tests.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Reply {
        self.call("POST", path)
            .token(token)
            .raw(content_type, body)
            .send()
            .await
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
        self.call(method, path)
            .token(token)
            .key(&Uuid::new_v4().to_string())
            .raw(content_type, body)
            .send()
            .await
    }

    /// Moves the app's clock to one second past the next multiple of
    /// `minutes` (UTC), so a test that counts within a rate-limit window
    /// never straddles two of them.
    pub fn start_of_window(&self, minutes: i64) {
        use chrono::DurationRound;
        let now = self.clock.now();
        let window = chrono::Duration::minutes(minutes);
        let start = now.duration_trunc(window).expect("a window") + window;
        self.clock
            .advance(start + chrono::Duration::seconds(1) - now);
    }

    /// Everything this app has logged so far.
    pub fn logs(&self) -> String {
        self.logs.text()
    }

    /// Runs one of the app's jobs (status sync, outbox, Auto Pay) as `serve`
    /// would, its log events going to this app's log.
    pub async fn job<T>(&self, job: impl Future<Output = T>) -> T {
        job.with_subscriber(self.log_dispatch.clone()).await
    }

    /// Sends the queued SMS now; returns how many were handled.
    pub async fn drain_outbox(&self) -> usize {
        self.job(payments_api::sms::outbox::drain(&self.state))
            .await
            .expect("drain the SMS outbox")
    }

    /// Delivers the due webhook deliveries now; returns how many were attempted.
    pub async fn drain_webhooks(&self) -> usize {
        self.job(payments_api::services::webhooks::drain(&self.state))
            .await
            .expect("drain the webhook outbox")
    }

    /// The status sync of open payments (and stale link claims), once.
    pub async fn sync_payments(&self) -> usize {
        self.job(payments_api::services::status_sync::sync_open_payments(
            &self.state,
        ))
        .await
        .expect("status sync")
    }

    /// The Auto Pay run, once.
    pub async fn run_autopay(&self) -> payments_api::services::autopay::AutopayReport {
        self.job(payments_api::services::autopay::run(&self.state))
            .await
            .expect("Auto Pay run")
    }

    /// Sends the queued SMS and returns the link token of the newest message
    /// that carries one.
    /// The token of link `link_id`, from the texts sent once the outbox is
    /// drained, matched by the hash the link stores. Use it wherever a test
    /// sent more than one link: texts queued at the same instant (the test
    /// clock stands still) go out in no set order, so "the last text" need
    /// not be the last link's.
    pub async fn deliver_token_of(&self, link_id: &str) -> String {
        self.drain_outbox().await;
        let links: Vec<(uuid::Uuid, Vec<u8>)> =
            query_rows(self, "select id, token_hash from payment_links").await;
        let hash = links
            .into_iter()
            .find_map(|(id, hash)| (id.to_string() == link_id).then_some(hash))
            .expect("the link");
        self.sms
            .sent()
            .iter()
            .filter_map(SentSms::link_token)
            .find(|token| {
                payments_api::domain::LinkToken::parse(token).map(|t| t.hash())
                    == Some(hash.clone())
            })
            .expect("an SMS with the link's token")
    }

    /// The token of the one link whose text this drain of the outbox sends
    /// (else of the last link text sent before). Panics when the drain sends
    /// several link texts: their order is not set, so the test must name the
    /// link ([`TestApp::deliver_token_of`]).
    pub async fn deliver_link_token(&self) -> String {
        let link_texts = || {
            self.sms
                .sent()
                .iter()
                .filter(|sms| sms.link_token().is_some())
                .count()
        };
        let before = link_texts();
        self.drain_outbox().await;
        assert!(
            link_texts() - before <= 1,
            "several link texts went out in one drain, in no set order: use deliver_token_of(link_id)"
        );
        self.sms
            .sent()
            .iter()
            .rev()
            .find_map(SentSms::link_token)
            .expect("an SMS with a payment link")
    }

    /// Sends a payment link for `vehicle` of `client` (14 days) to `phone`
    /// as `staff`, and returns the answer as it is (a test of a refusal reads
    /// it).
    pub async fn send_link_for(
        &self,
        staff: &str,
        client: Uuid,
        vehicle: Uuid,
        phone: &str,
    ) -> Reply {
        self.post_idempotent(
            "/payment-links",
            Some(staff),
            &key(),
            &json!({ "client_id": client, "vehicle_id": vehicle, "monitor_days": 14, "phone": phone }),
        )
        .await
    }

    /// The demo agent sends a link for Dana's Camry (14 days) to `phone`;
    /// answers its token, delivered by the outbox.
    pub async fn link_token_to(&self, phone: &str) -> String {
        let staff = self.agent_token().await;
        let sent = self.send_link_for(&staff, DANA, DANA_CAMRY, phone).await;
        assert_eq!(sent.status, 201, "send a link: {}", sent.body);
        self.deliver_link_token().await
    }

    /// Redeems the link of `token` with `body` under the idempotency `key`.
    pub async fn redeem_link(&self, token: &str, key: &str, body: &Value) -> Reply {
        self.call("POST", "/payment-link/redeem")
            .link_token(token)
            .key(key)
            .json(body)
            .send()
            .await
    }

    /// Redeems the link of `token` with the sandbox `payment_token`, the
    /// terms in force accepted (naming their version, as the pay page does),
    /// under the idempotency `key`.
    pub async fn redeem_link_with_token(
        &self,
        token: &str,
        key: &str,
        payment_token: &str,
    ) -> Reply {
        self.redeem_link(
            token,
            key,
            &json!({ "payment_token": payment_token, "accept_terms": true, "terms_version": TERMS_VERSION }),
        )
        .await
    }

    /// Pays the link of `token` with a new sandbox token of `card`, the terms
    /// accepted, under the idempotency `key`.
    pub async fn pay_link_with(&self, token: &str, key: &str, card: &str) -> Reply {
        let payment_token = self.tokenize(card).await;
        self.redeem_link_with_token(token, key, &payment_token)
            .await
    }

    /// Pays the link of `token` with the sandbox Visa that succeeds.
    pub async fn pay_link(&self, token: &str) -> Reply {
        self.pay_link_with(token, &key(), "4242424242424242").await
    }

    pub async fn login(&self, who: &str, email: &str, password: &str) -> Reply {
        self.post(
            &format!("/auth/{who}/login"),
            None,
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// A token for a demo staff login.
    pub async fn staff_token(&self, login: &DemoLogin) -> String {
        self.token("staff", login).await
    }

    async fn token(&self, who: &str, login: &DemoLogin) -> String {
        let reply = self.login(who, login.email, login.password).await;
        assert_eq!(reply.status, 200, "{} login: {}", who, reply.body);
        reply.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A new API key with `scopes`, created by the demo admin: `(id, key)`.
    pub async fn api_key(&self, name: &str, scopes: &[&str]) -> (String, String) {
        let admin = self.staff_token(&ADMIN_LOGIN).await;
        let reply = self
            .post(
                "/api-keys",
                Some(&admin),
                &json!({ "name": name, "scopes": scopes }),
            )
            .await;
        assert_eq!(reply.status, 201, "create an API key: {}", reply.body);
        (
            reply.body["id"].as_str().expect("id").to_owned(),
            reply.body["key"].as_str().expect("key").to_owned(),
        )
    }

    /// A token for the demo agent.
    pub async fn agent_token(&self) -> String {
        self.token("staff", &AGENT_LOGIN).await
    }

    /// A token for the demo client (Dana).
    pub async fn client_token(&self) -> String {
        self.token("client", &CLIENT_LOGIN).await
    }

    /// A single-use sandbox token for a test card number.
    pub async fn tokenize(&self, number: &str) -> String {
        let reply = self
            .post(
                "/sandbox/tokenize",
                None,
                &json!({ "number": number, "exp_month": 12, "exp_year": 2030, "cvc": TEST_CVC }),
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

    /// `PATCH /clients/{client}` with `{"language": language}` (`update_client`).
    pub async fn set_language(&self, token: &str, client: Uuid, language: &str) -> Reply {
        self.call("PATCH", &format!("/clients/{client}"))
            .token(Some(token))
            .json(&serde_json::json!({ "language": language }))
            .send()
            .await
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

    /// Grants `client` a credit of `cents` (a ledger entry, as an
    /// overpayment kept or a goodwill credit would be).
    pub async fn grant_credit(&self, client: Uuid, cents: i64) {
        use payments_api::domain::{ledger::EntryKind, Cents};
        self.store
            .append_ledger_entry(&payments_api::store::NewLedgerEntry {
                client_id: client,
                kind: EntryKind::Credit,
                amount: Cents(-cents),
                invoice_id: None,
                payment_id: None,
                vehicle_id: None,
                at: self.clock.now(),
            })
            .await
            .expect("credit");
    }

    /// Apply credit (`apply_credit`) to a client's vehicle for `days`.
    pub async fn apply_credit(
        &self,
        token: &str,
        key: &str,
        client: Uuid,
        vehicle: Uuid,
        days: i64,
    ) -> Reply {
        self.post_idempotent(
            &format!("/clients/{client}/credit-applications"),
            Some(token),
            key,
            &json!({ "vehicle_id": vehicle, "monitor_days": days }),
        )
        .await
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
