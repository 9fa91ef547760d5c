//! Run with `hearth-relay --static dist` (see `--help`), or through the README's run command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hearth_relay::{Config, Error};

/// The Hearth relay: stores end-to-end-encrypted blobs and serves the widget.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, env = "HEARTH_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory where objects are stored (created if missing).
    #[arg(long, env = "HEARTH_DATA", default_value = "./var/relay")]
    data: PathBuf,
    /// Directory of static files served at `/` (the built widget and demo clinic pages).
    #[arg(long = "static", env = "HEARTH_STATIC")]
    static_dir: Option<PathBuf>,
    /// An origin allowed to call the API from a browser (repeatable).
    #[arg(long = "allow-origin")]
    allow_origin: Vec<String>,
    /// Largest object accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_object_bytes: u64,
    /// Total bytes one vault may store (no quota when absent).
    #[arg(long)]
    vault_quota_bytes: Option<u64>,
    /// API requests one client address may make per second (0: no limit).
    #[arg(long, default_value_t = 100)]
    requests_per_second: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "hearth_relay=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = Config {
        listen: args.listen,
        data_dir: args.data,
        static_dir: args.static_dir,
        allow_origins: args.allow_origin,
        max_object_bytes: args.max_object_bytes,
        vault_quota_bytes: args.vault_quota_bytes,
        requests_per_second: args.requests_per_second,
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("hearth-relay: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), Error> {
    hearth_relay::prepare(&config)?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(Error::Bind)?;
    let addr = listener.local_addr().map_err(Error::Bind)?;
    // The run command and the end-to-end tests read this line to find the port.
    #[allow(clippy::print_stdout)]
    {
        println!("Hearth relay listening on http://{addr}/");
    }
    tracing::info!(
        data = %config.data_dir.display(),
        "storage: local directory; create-only and compare-and-set are enforced by this relay \
         (one instance per directory)"
    );
    hearth_relay::serve(listener, config, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down; finishing requests in flight");
}
