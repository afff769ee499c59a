use anyhow::Context;
use clap::{Parser, Subcommand};
use payments_api::app::{open_store, Application};
use payments_api::clock::Clock;
use payments_api::config::{AppEnv, Settings};
use payments_api::{openapi, seed, store, telemetry};
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
        Command::Openapi => Ok(()),
    }
}

async fn serve(settings: Settings, clock: Arc<Clock>) -> anyhow::Result<()> {
    if settings.uses_dev_jwt_secret() && settings.app_env == AppEnv::Development {
        tracing::warn!("!!! JWT_SECRET is not set: using the development secret. Anyone can forge tokens. Never run like this in production. !!!");
    }
    let store = open_store(&settings, &clock)
        .await
        .context("cannot open the database")?;
    let base = settings.public_base_url.clone();
    let app = Application::build(settings, store, clock).context("cannot start the server")?;
    tracing::info!(api = %format!("{base}/api/v1"), docs = %format!("{base}/docs"), "payments API listening on port {}", app.port());
    tracing::info!("demo logins: staff agent@example.com / agent-demo-1, admin@example.com / admin-demo-1; client client@example.com / client-demo-1");
    app.run_until_stopped().await?;
    Ok(())
}
