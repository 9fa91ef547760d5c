//! Where the relay keeps its objects: a local directory (the default) or an S3-compatible
//! bucket, both through `object_store`, and what each can promise about concurrent writers.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::http::Uri;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::{ObjectStore, RetryConfig};

use crate::{Config, Error};

/// An S3-compatible bucket to store objects in instead of the local data directory.
///
/// Only the bucket is required. Whatever is left `None` comes from the usual AWS
/// environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
/// `AWS_DEFAULT_REGION`, `AWS_ENDPOINT`, …), then from `object_store`'s defaults (region
/// `us-east-1`, the AWS endpoint of that region, instance credentials).
///
/// Its `Debug` output never shows the secret access key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Config {
    /// The bucket's name (`--s3-bucket`).
    pub bucket: String,
    /// The endpoint URL for S3-compatible stores such as MinIO, Ceph or R2
    /// (`--s3-endpoint`); requests then use path-style addressing, and plain `http://` is
    /// allowed when the URL says so.
    pub endpoint: Option<String>,
    /// The region to sign requests for (`--s3-region`).
    pub region: Option<String>,
    /// The access key id, when not taken from `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Option<String>,
    /// The secret access key, when not taken from `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Option<String>,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// How long one storage request may keep retrying before the relay gives up on it (and
/// answers 503, or refuses to start).
const RETRY_TIMEOUT: Duration = Duration::from_secs(10);

/// Attempts after the first for a failing storage request.
const MAX_RETRIES: usize = 3;

/// Checks an `--s3-endpoint` value: an absolute `http://` or `https://` URL with a host.
fn check_endpoint(endpoint: &str) -> Result<(), Error> {
    let bad = |reason: &'static str| Error::S3Endpoint {
        endpoint: endpoint.to_owned(),
        reason,
    };
    let uri: Uri = endpoint
        .parse()
        .map_err(|_| bad("it is not a URL like http://127.0.0.1:9000"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        Some(_) => return Err(bad("only http:// and https:// endpoints are supported")),
        None => return Err(bad("it needs a scheme, http:// or https://")),
    }
    match uri.host() {
        Some(host) if !host.is_empty() => {}
        _ => return Err(bad("it names no host")),
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(bad(
            "credentials belong in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL",
        ));
    }
    if !uri.path().trim_matches('/').is_empty() || uri.query().is_some() {
        return Err(bad(
            "give the server's base URL only; the bucket goes in --s3-bucket",
        ));
    }
    Ok(())
}

/// Builds the S3 client for `s3`: the AWS environment first, the explicit settings over it.
///
/// Nothing is contacted yet; [`open_store`] also checks that the bucket answers.
pub fn s3_store(s3: &S3Config) -> Result<object_store::aws::AmazonS3, Error> {
    if s3.bucket.trim().is_empty() {
        return Err(Error::S3Bucket);
    }
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&s3.bucket)
        .with_retry(RetryConfig {
            max_retries: MAX_RETRIES,
            retry_timeout: RETRY_TIMEOUT,
            ..Default::default()
        });
    if let Some(region) = &s3.region {
        builder = builder.with_region(region);
    }
    if let Some(key) = &s3.access_key_id {
        builder = builder.with_access_key_id(key);
    }
    if let Some(secret) = &s3.secret_access_key {
        builder = builder.with_secret_access_key(secret);
    }
    if let Some(endpoint) = &s3.endpoint {
        // A custom endpoint is addressed path-style (`{endpoint}/{bucket}/{key}`), which
        // every S3-compatible server understands, whatever the environment says.
        builder = builder
            .with_endpoint(endpoint)
            .with_config(AmazonS3ConfigKey::S3Endpoint, endpoint)
            .with_virtual_hosted_style_request(false);
    }
    let endpoint = builder
        .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
    if let Some(endpoint) = &endpoint {
        check_endpoint(endpoint)?;
        if endpoint.starts_with("http://") {
            builder = builder.with_allow_http(true);
        }
    }
    builder.build().map_err(Error::Store)
}

/// Opens the storage `config` asks for and checks that it can be used.
///
/// For a local directory, the directory must exist ([`crate::prepare`] creates it). For S3,
/// the bucket is listed once, so that a wrong bucket, endpoint or credentials stop the relay
/// at start-up with [`Error::S3Unavailable`] rather than failing every request with 503.
pub async fn open_store(config: &Config) -> Result<Arc<dyn ObjectStore>, Error> {
    match &config.s3 {
        None => local_store(config),
        Some(s3) => {
            let store = s3_store(s3)?;
            store
                .list_with_delimiter(None)
                .await
                .map_err(|source| Error::S3Unavailable {
                    bucket: s3.bucket.clone(),
                    source,
                })?;
            Ok(Arc::new(store))
        }
    }
}

/// The store `config` asks for, built without contacting it.
pub(crate) fn store_unchecked(config: &Config) -> Result<Arc<dyn ObjectStore>, Error> {
    match &config.s3 {
        None => local_store(config),
        Some(s3) => Ok(Arc::new(s3_store(s3)?)),
    }
}

fn local_store(config: &Config) -> Result<Arc<dyn ObjectStore>, Error> {
    let store = object_store::local::LocalFileSystem::new_with_prefix(&config.data_dir)
        .map_err(Error::Store)?;
    Ok(Arc::new(store))
}

/// One sentence for the start-up log: which backend `config` uses and which guarantees about
/// concurrent writers it gives.
pub fn storage_guarantees(config: &Config) -> String {
    match &config.s3 {
        None => format!(
            "storage: local directory {}; create-only objects and the header's \
             compare-and-set are enforced by this relay's own per-name lock, so run one \
             instance per directory",
            config.data_dir.display()
        ),
        Some(s3) => format!(
            "storage: S3 bucket {} at {}; within this instance create-only objects and the \
             header's compare-and-set are enforced by the relay's own per-name lock; across \
             several instances sharing the bucket they rest on the store's conditional writes \
             (If-None-Match / If-Match), which AWS S3, MinIO and R2 honour but some servers do \
             NOT (rclone serve s3 ignores them): with such a store run a single instance",
            s3.bucket,
            s3.endpoint
                .as_deref()
                .unwrap_or("the AWS endpoint (or AWS_ENDPOINT)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_checked_before_anything_is_contacted() {
        for good in [
            "http://127.0.0.1:9000",
            "https://s3.example.org/",
            "http://minio:9000",
        ] {
            assert!(check_endpoint(good).is_ok(), "{good}");
        }
        for bad in [
            "127.0.0.1:9000",
            "ftp://host",
            "not a url",
            "http://",
            "http://key:secret@host:9000",
            "http://host:9000/bucket",
        ] {
            assert!(
                matches!(check_endpoint(bad), Err(Error::S3Endpoint { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_secret_key_never_shows_in_debug_output() {
        let s3 = S3Config {
            bucket: "b".into(),
            secret_access_key: Some("very-secret".into()),
            ..Default::default()
        };
        let shown = format!("{s3:?}");
        assert!(!shown.contains("very-secret"));
        assert!(shown.contains("[redacted]"));
    }
}
