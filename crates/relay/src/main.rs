//! Run with `hearth-relay --static dist` (see `--help`), or through the README's run command.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use hearth_relay::{Config, Error, S3Config};

/// The Hearth relay: stores end-to-end-encrypted blobs and serves the widget.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Storage guarantees: create-only objects and the vault header's compare-and-set \
are enforced by the relay's own per-name lock within one instance. Several instances may share \
one S3 bucket only if the store honours conditional writes (If-None-Match / If-Match), as AWS S3, \
MinIO and R2 do; rclone's S3 server does NOT, so over it run a single instance."
)]
struct Args {
    /// Address and port to listen on.
    #[arg(long, env = "HEARTH_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory where objects are stored (created if missing), unless --s3-bucket is given.
    #[arg(long, env = "HEARTH_DATA", default_value = "./var/relay")]
    data: PathBuf,
    /// Store objects in this S3-compatible bucket instead of --data. Credentials come from
    /// the usual AWS environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    /// AWS_SESSION_TOKEN, …). Several relays may share the bucket only if the store honours
    /// conditional writes (AWS S3, MinIO, R2 do; rclone's S3 server does NOT).
    #[arg(long)]
    s3_bucket: Option<String>,
    /// Endpoint of an S3-compatible server, e.g. http://127.0.0.1:9000 (path-style requests;
    /// plain http allowed when given so). Default: AWS_ENDPOINT, else AWS S3 itself.
    #[arg(long, requires = "s3_bucket")]
    s3_endpoint: Option<String>,
    /// Region to sign S3 requests for. Default: AWS_DEFAULT_REGION, else us-east-1.
    #[arg(long, requires = "s3_bucket")]
    s3_region: Option<String>,
    /// Directory of static files served at `/` (the built widget and demo clinic pages).
    #[arg(long = "static", env = "HEARTH_STATIC")]
    static_dir: Option<PathBuf>,
    /// An origin allowed to call the API from a browser (repeatable).
    #[arg(long = "allow-origin")]
    allow_origin: Vec<String>,
    /// The origin of a WebDAV or S3 server patients may sync with instead of this relay,
    /// added to the pages' Content-Security-Policy `connect-src` (repeatable).
    #[arg(long = "storage-origin")]
    storage_origin: Vec<String>,
    /// Largest object accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_object_bytes: u64,
    /// Total bytes one vault may store (no quota when absent).
    #[arg(long)]
    vault_quota_bytes: Option<u64>,
    /// Total bytes one clinic inbox may hold (anyone may post to it; 0: no quota).
    #[arg(long, default_value_t = 64 * 1024 * 1024)]
    inbox_quota_bytes: u64,
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
        s3: args.s3_bucket.map(|bucket| S3Config {
            bucket,
            endpoint: args.s3_endpoint,
            region: args.s3_region,
            ..Default::default()
        }),
        static_dir: args.static_dir,
        allow_origins: args.allow_origin,
        storage_origins: args.storage_origin,
        max_object_bytes: args.max_object_bytes,
        vault_quota_bytes: args.vault_quota_bytes,
        inbox_quota_bytes: (args.inbox_quota_bytes > 0).then_some(args.inbox_quota_bytes),
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
    // A wrong bucket, endpoint or credentials stop the relay here, before it listens.
    let store = hearth_relay::open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(Error::Bind)?;
    let addr = listener.local_addr().map_err(Error::Bind)?;
    // The run command and the end-to-end tests read this line to find the port.
    #[allow(clippy::print_stdout)]
    {
        println!("Hearth relay listening on http://{addr}/");
    }
    tracing::info!("{}", hearth_relay::storage_guarantees(&config));
    hearth_relay::serve_with_store(listener, config, store, shutdown_signal()).await
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
