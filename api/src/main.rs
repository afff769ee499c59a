//! The `payments-api` command line: `serve` (the default), `migrate`,
//! `seed --demo`, `openapi`, and the jobs run by hand (`sync-payments`,
//! `autopay run`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use payments_api::app::{open_store, Adapters, Application};
use payments_api::clock::Clock;
use payments_api::config::{AppEnv, Settings};
use payments_api::seed::{
    ADMIN_LOGIN, AGENT_LOGIN, CLIENT_LOGIN, SPANISH_CLIENT_LOGIN, SUPERVISOR_LOGIN,
};

use payments_api::services::{autopay, jobs, notices, status_sync, webhooks};
use payments_api::state::AppState;
use payments_api::{openapi, seed, sms, store, telemetry};
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "payments-api",
    about = "Secure payments API for PLUS Web and My Account"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Insert data into the database.
    Seed {
        /// The demo locations, clients and logins listed in the README.
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Sync open payments: learn from the gateway the outcome of payments
    /// left `unknown` or `pending` (`reconcile` is its deprecated name).
    #[command(alias = "reconcile")]
    SyncPayments,
    /// Auto Pay.
    Autopay {
        #[command(subcommand)]
        command: AutopayCommand,
    },
    /// Payment reminders and Auto Pay notices.
    Notices {
        #[command(subcommand)]
        command: NoticesCommand,
    },
}

#[derive(Subcommand)]
enum NoticesCommand {
    /// Queue every reminder and Auto Pay notice due today (each location's
    /// day); each goes once, so it is safe to repeat. `serve` sends them.
    Run,
}

#[derive(Subcommand)]
enum AutopayCommand {
    /// Charge every enrolled client whose next payment is due (safe to repeat).
    Run,
}

#[tokio::main]
async fn main() {
    if let Err(error) = run().await {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", openapi::spec_json());
        return Ok(());
    }
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);
    let clock = Arc::new(Clock::default());
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings, clock).await,
        Command::Migrate => {
            store::connect(&settings.database_url)
                .await?
                .migrate()
                .await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Seed { .. } => {
            let store = store::connect(&settings.database_url).await?;
            store.migrate().await?;
            anyhow::ensure!(
                store.is_empty().await?,
                "the database already has data; demo data goes into an empty database only"
            );
            store.seed(&seed::demo_data(clock.now())).await?;
            tracing::info!("demo data inserted");
            Ok(())
        }
        Command::SyncPayments => {
            let state = offline_state(settings, clock).await?;
            let finished = status_sync::sync_open_payments(&state).await?;
            tracing::info!(finished, "status sync of open payments finished");
            Ok(())
        }
        Command::Autopay {
            command: AutopayCommand::Run,
        } => {
            let state = offline_state(settings, clock).await?;
            let report = autopay::run(&state).await?;
            tracing::info!(?report, "Auto Pay run finished");
            Ok(())
        }
        Command::Notices {
            command: NoticesCommand::Run,
        } => {
            let state = offline_state(settings, clock).await?;
            let report = notices::run(&state).await?;
            tracing::info!(?report, "reminders and Auto Pay notices queued");
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

/// The app's state without a server, for one-off commands.
async fn offline_state(settings: Settings, clock: Arc<Clock>) -> anyhow::Result<AppState> {
    let store = store::connect(&settings.database_url).await?;
    store.migrate().await?;
    let adapters = Adapters::from_settings(&settings);
    Ok(payments_api::app::offline_state(
        settings, store, clock, adapters,
    ))
}

async fn serve(settings: Settings, clock: Arc<Clock>) -> anyhow::Result<()> {
    if settings.uses_dev_jwt_secret() && settings.app_env == AppEnv::Development {
        tracing::warn!("!!! JWT_SECRET is not set: using the development secret. Anyone can forge tokens. Never run like this in production. !!!");
    }
    let store = open_store(&settings, &clock)
        .await
        .context("cannot open the database")?;
    let base = settings.public_base_url.clone();
    let demo = settings.seed_demo_on_empty;
    let docs = if settings.docs_enabled {
        format!("{base}/docs")
    } else {
        "off (DOCS_ENABLED)".to_owned()
    };
    let adapters = Adapters::from_settings(&settings);
    let app =
        Application::build(settings, store, clock, adapters).context("cannot start the server")?;
    jobs::spawn_scheduler(app.state());
    sms::outbox::spawn_worker(app.state());
    webhooks::spawn_worker(app.state());
    tracing::info!(api = %format!("{base}/api/v1"), docs = %docs, "payments API listening on port {}", app.port());
    if demo {
        let logins = [
            AGENT_LOGIN,
            SUPERVISOR_LOGIN,
            ADMIN_LOGIN,
            CLIENT_LOGIN,
            SPANISH_CLIENT_LOGIN,
        ]
        .map(|l| format!("{} / {}", l.email, l.password))
        .join(", ");
        tracing::info!("demo logins (README): {logins}");
    }
    app.run_until_stopped().await?;
    Ok(())
}
