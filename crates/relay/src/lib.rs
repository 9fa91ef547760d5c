//! # hearth-relay — the storage endpoint that only ever sees ciphertext
//!
//! The relay is the one server in Hearth, and it is deliberately dull: it stores opaque,
//! end-to-end-encrypted blobs that browsers produce with `hearth-vault`, and it serves the
//! widget's static files and the demo clinic pages. It never holds a key and never sees a
//! patient's words.
//!
//! How the parts fit:
//!
//! - [`Config`] is the whole configuration, built by the `hearth-relay` binary from its
//!   command line (`--listen`, `--data`, `--static`, `--allow-origin`, size limits, and
//!   `--s3-bucket`/`--s3-endpoint`/`--s3-region` for an [`S3Config`]).
//! - [`open_store`] opens the storage: a local directory by default, or an S3-compatible
//!   bucket, checked once at start-up so that a wrong bucket, endpoint or credentials stop
//!   the relay with a clear error; [`storage_guarantees`] says what the backend promises
//!   about concurrent writers.
//! - [`app`] turns a configuration into an axum [`Router`]: `GET /healthz`, the static
//!   site (the built widget and the demo clinic pages) with a strict Content-Security-Policy
//!   on every response, and the v1 blob API of DESIGN.md section 4 ([`Api`]: vault
//!   registration, the mutable header with compare-and-set, create-only objects, listing,
//!   erase, the clinic inbox) stored through `object_store`, rate-limited per client
//!   address ([`RateLimit`]) and open to browsers only from `--allow-origin` origins.
//! - [`serve`] (or [`serve_with_store`]) serves and shuts down gracefully.
//!
//! ```no_run
//! # async fn demo() -> Result<(), hearth_relay::Error> {
//! let config = hearth_relay::Config { static_dir: Some("dist".into()), ..Default::default() };
//! let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(hearth_relay::Error::Bind)?;
//! hearth_relay::serve(listener, config, std::future::pending()).await
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod rate_limit;
mod storage;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::routing::get;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub use api::Api;
pub use rate_limit::RateLimit;
pub use storage::{open_store, s3_store, storage_guarantees, S3Config};

/// Everything the relay needs to run. [`Config::default`] gives the documented defaults.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (default `127.0.0.1:8080`).
    pub listen: SocketAddr,
    /// Directory for stored objects when no S3 bucket is configured (default `./var/relay`).
    pub data_dir: PathBuf,
    /// An S3-compatible bucket to store objects in instead of `data_dir` (default none).
    pub s3: Option<S3Config>,
    /// Directory of static files to serve at `/` (the built widget and demo pages), if any.
    pub static_dir: Option<PathBuf>,
    /// Origins allowed to call the API from a browser (CORS). Empty: same origin only.
    pub allow_origins: Vec<String>,
    /// Storage endpoints (WebDAV, S3) patients may choose besides this relay: their origins
    /// are added to the pages' `connect-src`, and no other origin is.
    pub storage_origins: Vec<String>,
    /// Largest object accepted, in bytes (default 1 MiB).
    pub max_object_bytes: u64,
    /// Total bytes one vault may store; `None` for no quota.
    pub vault_quota_bytes: Option<u64>,
    /// Total bytes one clinic inbox may hold (default 64 MiB); `None` for no quota.
    pub inbox_quota_bytes: Option<u64>,
    /// API requests one client address may make per second (default 100).
    pub requests_per_second: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./var/relay"),
            s3: None,
            static_dir: None,
            allow_origins: Vec::new(),
            storage_origins: Vec::new(),
            max_object_bytes: 1024 * 1024,
            vault_quota_bytes: None,
            inbox_quota_bytes: Some(64 * 1024 * 1024),
            requests_per_second: 100,
        }
    }
}

/// What can stop the relay from starting or serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listen address could not be bound (in use, or not permitted).
    #[error("could not listen on the requested address: {0}")]
    Bind(#[source] std::io::Error),
    /// The data directory could not be created or is not writable.
    #[error("the data directory {path} cannot be used: {source}")]
    DataDir {
        /// The directory that was asked for.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The static directory does not exist or is not a directory.
    #[error(
        "the static directory {0} does not exist; build the widget first (trunk build --release)"
    )]
    StaticDir(PathBuf),
    /// Serving failed after start-up.
    #[error("the server stopped with an error: {0}")]
    Serve(#[source] std::io::Error),
    /// The storage backend could not be set up.
    #[error("the storage backend cannot be used: {0}")]
    Store(#[source] object_store::Error),
    /// No bucket name was given for S3 storage.
    #[error("S3 storage needs a bucket name (--s3-bucket)")]
    S3Bucket,
    /// The S3 endpoint is not a usable URL.
    #[error("the S3 endpoint {endpoint:?} cannot be used: {reason}")]
    S3Endpoint {
        /// The endpoint that was given.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The S3 bucket did not answer a listing at start-up: it does not exist, the endpoint
    /// is unreachable, or the credentials are refused.
    #[error(
        "the S3 bucket {bucket} cannot be used (check --s3-bucket, --s3-endpoint, \
         --s3-region and the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY credentials): {source}"
    )]
    S3Unavailable {
        /// The bucket that was asked for.
        bucket: String,
        /// What the store answered.
        #[source]
        source: object_store::Error,
    },
    /// An `--allow-origin` value is not an origin.
    #[error("--allow-origin {0:?} is not an origin like https://clinic.example")]
    Origin(String),
    /// A `--storage-origin` value is not an http(s) origin.
    #[error(
        "--storage-origin {0:?} is not an origin like https://dav.clinic.example \
         (scheme, host and port only)"
    )]
    StorageOrigin(String),
}

/// The Content-Security-Policy the relay sends with every page (DESIGN.md section 7): no
/// inline scripts or styles, WebAssembly allowed, and requests only to this origin and the
/// `storage_origins` (checked by [`is_origin`]).
pub fn content_security_policy(storage_origins: &[String]) -> String {
    let mut connect = String::from("'self'");
    for origin in storage_origins {
        connect.push(' ');
        connect.push_str(origin);
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src {connect}; frame-ancestors 'self'"
    )
}

/// Whether `text` is an http(s) origin: `scheme://host[:port]` and nothing more (so it
/// cannot smuggle another directive into a policy).
pub fn is_origin(text: &str) -> bool {
    let Some(host) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    // `[v6 address]` or a name, then an optional `:port`.
    let (name, port) = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((address, rest))
                if address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') =>
            {
                (address, rest)
            }
            _ => return false,
        },
        None => host.find(':').map_or((host, ""), |at| host.split_at(at)),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    !name.is_empty()
        && port_ok
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
}

/// Builds the relay's HTTP application for `config`, storing in its data directory (which
/// must exist; [`prepare`] creates it) or its S3 bucket.
///
/// The bucket is not contacted here: if it cannot be used, requests answer 503. Use
/// [`open_store`] and [`app_with_store`] to check it first.
pub fn app(config: &Config) -> Result<Router, Error> {
    app_with_store(config, storage::store_unchecked(config)?)
}

/// Builds the relay's HTTP application over any `object_store` backend.
pub fn app_with_store(
    config: &Config,
    store: Arc<dyn object_store::ObjectStore>,
) -> Result<Router, Error> {
    let origins = config
        .allow_origins
        .iter()
        .map(|o| HeaderValue::from_str(o).map_err(|_| Error::Origin(o.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(bad) = config.storage_origins.iter().find(|o| !is_origin(o)) {
        return Err(Error::StorageOrigin(bad.clone()));
    }
    let policy = HeaderValue::from_str(&content_security_policy(&config.storage_origins))
        .map_err(|_| Error::StorageOrigin(config.storage_origins.join(" ")))?;
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER]);
    let api = Api::new(
        store,
        config.max_object_bytes,
        config.vault_quota_bytes,
        config.inbox_quota_bytes,
    )
    .router()
    // Bodies a little over the limit still reach the handler, which answers 413 itself.
    .layer(DefaultBodyLimit::max(
        usize::try_from(config.max_object_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1),
    ))
    .layer(axum::middleware::from_fn_with_state(
        RateLimit::new(config.requests_per_second),
        rate_limit::limit,
    ))
    .layer(cors);
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .nest("/v1", api);
    if let Some(dir) = &config.static_dir {
        router = router.fallback_service(ServeDir::new(dir).append_index_html_on_directories(true));
    }
    Ok(router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            policy,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        )))
}

async fn healthz() -> (StatusCode, &'static str) {
    (StatusCode::OK, "ok\n")
}

/// Checks the directories in `config`, creating the data directory if needed (not used,
/// and not created, when objects go to S3).
pub fn prepare(config: &Config) -> Result<(), Error> {
    if config.s3.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| Error::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
    }
    if let Some(dir) = &config.static_dir {
        if !dir.is_dir() {
            return Err(Error::StaticDir(dir.clone()));
        }
    }
    Ok(())
}

/// Serves `config` on `listener` until `shutdown` completes, then finishes the requests
/// already in flight before returning. The storage is checked first ([`open_store`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    prepare(&config)?;
    let store = open_store(&config).await?;
    serve_with_store(listener, config, store, shutdown).await
}

/// Like [`serve`], over a store already opened (by [`open_store`], or any other backend).
pub async fn serve_with_store(
    listener: tokio::net::TcpListener,
    config: Config,
    store: Arc<dyn object_store::ObjectStore>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let app = app_with_store(&config, store)?.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(Error::Serve)
}
