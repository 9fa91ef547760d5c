//! The storage endpoints a patient can choose, and one [`BlobStore`] over whichever is chosen.
//!
//! An [`Endpoint`] is what the app keeps in the patient's (encrypted) settings: a Hearth
//! relay, a WebDAV folder or an S3-compatible bucket, with the credentials the last two need.
//! [`Endpoint::connect`] gives the vault's [`EndpointStore`] there:
//!
//! | Endpoint | Where the vault lives | Prepared by | Erased by |
//! |---|---|---|---|
//! | relay | `{url}/v1/vaults/{id}` | registering the vault's token | `DELETE` of the vault |
//! | WebDAV | the folder `{url}/hearth-{id}/` | `MKCOL` of its folders | `DELETE` of the folder |
//! | S3 | keys under `{prefix}hearth-{id}/` | nothing | deleting the header, then each object |
//!
//! `{id}` is the vault's relay id (32 hex characters), so one WebDAV folder or bucket can
//! hold the vaults of several people without them meeting. Credentials are never shown by
//! `Debug`.

use serde::{Deserialize, Serialize};

use crate::relay::HttpTransport;
use crate::s3::{S3Config, S3Store};
use crate::store::{BlobStore, HeaderWrite, Page, PutOutcome, StoreError};
use crate::{RelayStore, WebDavStore};

/// A storage endpoint the vault syncs with. Only ciphertext ever reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "EndpointFields")]
pub enum Endpoint {
    /// A Hearth relay (the clinic's, or the one serving the widget).
    Relay {
        /// Its base URL, e.g. `https://relay.clinic.example`.
        url: String,
    },
    /// A folder on a WebDAV server (Nextcloud, ownCloud, a NAS, `rclone serve webdav`).
    #[serde(rename = "webdav")]
    WebDav(WebDavFolder),
    /// A bucket in S3-compatible storage (AWS S3, MinIO, Ceph, R2, `rclone serve s3`),
    /// reached through presigned URLs. Its `prefix` is a folder for Hearth's vaults (may be
    /// empty); each vault lives in its own folder below it.
    S3(S3Config),
}

/// An [`Endpoint`] as written (`{"kind": "webdav", "url": …}`), read field by field.
///
/// Reading the tagged enum directly would make serde buffer every field before it knows
/// the kind; that generic buffering code was the largest single piece of reading code in
/// the widget's `.wasm`. The JSON is the same either way.
#[derive(Deserialize)]
struct EndpointFields {
    kind: String,
    url: Option<String>,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    endpoint: Option<String>,
    region: Option<String>,
    bucket: Option<String>,
    #[serde(default)]
    prefix: String,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
}

impl TryFrom<EndpointFields> for Endpoint {
    type Error = String;

    fn try_from(f: EndpointFields) -> Result<Self, String> {
        let need =
            |value: Option<String>, name: &str| value.ok_or(format!("missing field `{name}`"));
        Ok(match f.kind.as_str() {
            "relay" => Endpoint::Relay {
                url: need(f.url, "url")?,
            },
            "webdav" => Endpoint::WebDav(WebDavFolder {
                url: need(f.url, "url")?,
                user: f.user,
                password: f.password,
            }),
            "s3" => Endpoint::S3(S3Config {
                endpoint: need(f.endpoint, "endpoint")?,
                region: need(f.region, "region")?,
                bucket: need(f.bucket, "bucket")?,
                prefix: f.prefix,
                access_key_id: need(f.access_key_id, "access_key_id")?,
                secret_access_key: need(f.secret_access_key, "secret_access_key")?,
            }),
            other => {
                return Err(format!(
                    "unknown variant `{other}`, expected one of `relay`, `webdav`, `s3`"
                ))
            }
        })
    }
}

/// A folder on a WebDAV server, and how to sign in to it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebDavFolder {
    /// The folder Hearth may use, e.g.
    /// `https://cloud.example/remote.php/dav/files/alex/Hearth`.
    pub url: String,
    /// The user name (empty: no authentication).
    #[serde(default)]
    pub user: String,
    /// The password or app password (never shown by `Debug`).
    #[serde(default)]
    pub password: String,
}

impl std::fmt::Debug for WebDavFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebDavFolder")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Why an [`Endpoint`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// The address is not `https://…`, or `http://` to this computer.
    #[error(
        "{0:?} is not a usable address: it must start with https:// \
         (or http://localhost for a server on this computer)"
    )]
    Address(String),
    /// The S3 bucket name is missing or holds a `/`.
    #[error("{0:?} is not a usable bucket name")]
    Bucket(String),
    /// A required field is empty.
    #[error("the {0} is missing")]
    Missing(&'static str),
}

/// Whether `url` is an address Hearth will send ciphertext to: `https://`, or plain
/// `http://` only to this computer (a local relay or test server).
pub fn is_acceptable_address(url: &str) -> bool {
    let Some((scheme, rest)) = url.trim().split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.contains('@') {
        return false; // credentials in the URL would end up in logs and history
    }
    // `[v6]:port` or `[v6]`; otherwise `name:port` or `name`.
    let name = match host.split_once(']') {
        Some((v6, _)) if host.starts_with('[') => &host[..=v6.len()],
        _ => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    !name.is_empty()
        && match scheme {
            "https" => true,
            "http" => matches!(name, "localhost" | "127.0.0.1" | "[::1]"),
            _ => false,
        }
}

fn address(url: &str) -> Result<String, EndpointError> {
    let url = url.trim().trim_end_matches('/');
    if is_acceptable_address(url) {
        Ok(url.to_owned())
    } else {
        Err(EndpointError::Address(url.to_owned()))
    }
}

impl Endpoint {
    /// A stable name for the endpoint (without secrets), so sync state kept for one is never
    /// used for another.
    pub fn key(&self) -> String {
        match self {
            Endpoint::Relay { url } => format!("relay {}", url.trim_end_matches('/')),
            Endpoint::WebDav(folder) => {
                format!(
                    "webdav {} {}",
                    folder.url.trim_end_matches('/'),
                    folder.user
                )
            }
            Endpoint::S3(s3) => format!(
                "s3 {}/{}/{}",
                s3.endpoint.trim_end_matches('/'),
                s3.bucket,
                s3.prefix.trim_matches('/')
            ),
        }
    }

    /// The origin requests go to (`scheme://host[:port]`), e.g. for a page's
    /// `connect-src`; `None` if the address is unusable.
    pub fn origin(&self) -> Option<String> {
        let url = match self {
            Endpoint::Relay { url } | Endpoint::WebDav(WebDavFolder { url, .. }) => url,
            Endpoint::S3(s3) => &s3.endpoint,
        };
        let url = url.trim();
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split(['/', '?', '#']).next()?;
        is_acceptable_address(url).then(|| format!("{scheme}://{host}"))
    }

    /// Checks the endpoint as the patient entered it, and returns it tidied (addresses
    /// trimmed, without a trailing `/`; an empty region is `us-east-1`).
    pub fn checked(&self) -> Result<Endpoint, EndpointError> {
        Ok(match self {
            Endpoint::Relay { url } => Endpoint::Relay { url: address(url)? },
            Endpoint::WebDav(folder) => Endpoint::WebDav(WebDavFolder {
                url: address(&folder.url)?,
                user: folder.user.trim().to_owned(),
                password: folder.password.clone(),
            }),
            Endpoint::S3(s3) => {
                let bucket = s3.bucket.trim();
                if bucket.is_empty() || bucket.contains('/') {
                    return Err(EndpointError::Bucket(bucket.to_owned()));
                }
                if s3.access_key_id.trim().is_empty() {
                    return Err(EndpointError::Missing("access key id"));
                }
                if s3.secret_access_key.trim().is_empty() {
                    return Err(EndpointError::Missing("secret access key"));
                }
                let region = s3.region.trim();
                Endpoint::S3(S3Config {
                    endpoint: address(&s3.endpoint)?,
                    region: if region.is_empty() {
                        "us-east-1"
                    } else {
                        region
                    }
                    .to_owned(),
                    bucket: bucket.to_owned(),
                    prefix: s3.prefix.trim().trim_matches('/').to_owned(),
                    access_key_id: s3.access_key_id.trim().to_owned(),
                    // Keys never hold spaces; a pasted newline would only fail the signature.
                    secret_access_key: s3.secret_access_key.trim().to_owned(),
                })
            }
        })
    }

    /// The vault `relay_id`'s store on this endpoint over `transport`. `token` is the vault's
    /// relay token (the relay's only credential; WebDAV and S3 use their own). `clock` gives
    /// the Unix time in seconds, for S3's signatures.
    pub fn connect<T: HttpTransport>(
        &self,
        transport: T,
        relay_id: &str,
        token: &str,
        clock: impl Fn() -> u64 + 'static,
    ) -> Result<EndpointStore<T>, EndpointError> {
        Ok(match self.checked()? {
            Endpoint::Relay { url } => {
                EndpointStore::Relay(RelayStore::new(transport, &url, relay_id, token))
            }
            Endpoint::WebDav(folder) => {
                let credentials = (!folder.user.is_empty())
                    .then_some((folder.user.as_str(), folder.password.as_str()));
                EndpointStore::WebDav(WebDavStore::new(
                    transport,
                    &format!("{}/hearth-{relay_id}/", folder.url),
                    credentials,
                ))
            }
            Endpoint::S3(mut s3) => {
                s3.prefix = if s3.prefix.is_empty() {
                    format!("hearth-{relay_id}/")
                } else {
                    format!("{}/hearth-{relay_id}/", s3.prefix)
                };
                let store = S3Store::new(transport, s3, clock).map_err(|err| match err {
                    crate::S3ConfigError::Bucket(bucket) => EndpointError::Bucket(bucket),
                    crate::S3ConfigError::Endpoint(url) => EndpointError::Address(url),
                })?;
                EndpointStore::S3(store)
            }
        })
    }
}

/// A vault's store on whichever endpoint the patient chose.
#[derive(Debug)]
pub enum EndpointStore<T> {
    /// On a Hearth relay.
    Relay(RelayStore<T>),
    /// In a WebDAV folder.
    WebDav(WebDavStore<T>),
    /// In an S3-compatible bucket.
    S3(S3Store<T>),
}

impl<T: HttpTransport> EndpointStore<T> {
    /// Sends no `If-None-Match` / `If-Match` headers to WebDAV and S3 servers, whose CORS
    /// preflight may refuse them in a browser (nothing is lost: those adapters read before
    /// they write). The relay always honours them.
    pub fn without_conditional_headers(self) -> Self {
        match self {
            EndpointStore::WebDav(store) => {
                EndpointStore::WebDav(store.without_conditional_headers())
            }
            EndpointStore::S3(store) => EndpointStore::S3(store.without_conditional_headers()),
            relay => relay,
        }
    }

    /// Makes the endpoint ready for this vault's first write (harmless when it is): the
    /// relay registers the vault's token, WebDAV creates the vault's folders.
    pub async fn prepare(&self) -> Result<(), StoreError> {
        match self {
            EndpointStore::Relay(store) => store.register().await,
            EndpointStore::WebDav(store) => store.ensure_folders().await,
            EndpointStore::S3(_) => Ok(()),
        }
    }

    /// Erases the vault from the endpoint: its header and every object.
    pub async fn erase(&self) -> Result<(), StoreError> {
        match self {
            EndpointStore::Relay(store) => store.erase().await,
            EndpointStore::WebDav(store) => store.erase().await,
            EndpointStore::S3(store) => store.erase().await,
        }
    }
}

impl<T: HttpTransport> BlobStore for EndpointStore<T> {
    async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError> {
        match self {
            EndpointStore::Relay(store) => store.get_header().await,
            EndpointStore::WebDav(store) => store.get_header().await,
            EndpointStore::S3(store) => store.get_header().await,
        }
    }

    async fn put_header(&self, bytes: &[u8], condition: HeaderWrite) -> Result<String, StoreError> {
        match self {
            EndpointStore::Relay(store) => store.put_header(bytes, condition).await,
            EndpointStore::WebDav(store) => store.put_header(bytes, condition).await,
            EndpointStore::S3(store) => store.put_header(bytes, condition).await,
        }
    }

    async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
        match self {
            EndpointStore::Relay(store) => store.put_object(name, bytes).await,
            EndpointStore::WebDav(store) => store.put_object(name, bytes).await,
            EndpointStore::S3(store) => store.put_object(name, bytes).await,
        }
    }

    async fn get_object(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        match self {
            EndpointStore::Relay(store) => store.get_object(name).await,
            EndpointStore::WebDav(store) => store.get_object(name).await,
            EndpointStore::S3(store) => store.get_object(name).await,
        }
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        match self {
            EndpointStore::Relay(store) => store.list(after, limit).await,
            EndpointStore::WebDav(store) => store.list(after, limit).await,
            EndpointStore::S3(store) => store.list(after, limit).await,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::relay::{HttpRequest, HttpResponse};

    /// Records the URLs asked for and answers 404 (the vault is not there).
    #[derive(Default)]
    struct Recorder(std::rc::Rc<std::cell::RefCell<Vec<String>>>);

    impl HttpTransport for Recorder {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, String> {
            self.0
                .borrow_mut()
                .push(format!("{} {}", request.method, request.url));
            Ok(HttpResponse {
                status: 404,
                etag: None,
                retry_after_s: None,
                body: Vec::new(),
            })
        }
    }

    const ID: &str = "0123456789abcdef0123456789abcdef";

    fn webdav() -> Endpoint {
        Endpoint::WebDav(WebDavFolder {
            url: " https://dav.example/files/alex/Hearth/ ".into(),
            user: "alex".into(),
            password: "app-password-1".into(),
        })
    }

    fn s3_config() -> S3Config {
        S3Config {
            endpoint: "https://s3.example".into(),
            region: String::new(),
            bucket: "clinic-backups".into(),
            prefix: "/patients/".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "secret-key-1".into(),
        }
    }

    fn s3() -> Endpoint {
        Endpoint::S3(s3_config())
    }

    #[test]
    fn only_https_or_this_computer_is_accepted() {
        assert!(is_acceptable_address("https://relay.clinic.example"));
        assert!(is_acceptable_address("http://127.0.0.1:8080"));
        assert!(is_acceptable_address("http://localhost:3000/"));
        assert!(is_acceptable_address("http://[::1]:9000/dav"));
        assert!(is_acceptable_address("http://[::1]/dav"));
        assert!(!is_acceptable_address("http://[::2]:9000"));
        assert!(!is_acceptable_address("http://relay.clinic.example"));
        assert!(!is_acceptable_address("http://127.0.0.1.evil.example"));
        assert!(!is_acceptable_address("https://alex:pw@dav.example/"));
        assert!(!is_acceptable_address("ftp://relay.clinic.example"));
        assert!(!is_acceptable_address("relay.clinic.example"));
        assert!(!is_acceptable_address("https://"));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        for endpoint in [webdav(), s3()] {
            let shown = format!("{endpoint:?}");
            assert!(!shown.contains("app-password-1"), "{shown}");
            assert!(!shown.contains("secret-key-1"), "{shown}");
            assert!(shown.contains("<redacted>"));
            assert!(!endpoint.key().contains("secret"), "{}", endpoint.key());
            assert!(!endpoint.key().contains("password"), "{}", endpoint.key());
        }
    }

    #[test]
    fn endpoints_are_kept_as_tagged_json() {
        for endpoint in [
            Endpoint::Relay {
                url: "https://relay.example".into(),
            },
            webdav(),
            s3(),
        ] {
            let json = serde_json::to_string(&endpoint).unwrap();
            assert_eq!(serde_json::from_str::<Endpoint>(&json).unwrap(), endpoint);
        }
        let json = serde_json::to_value(webdav()).unwrap();
        assert_eq!(json["kind"], "webdav");
        let old: Endpoint =
            serde_json::from_str(r#"{"kind":"webdav","url":"https://dav.example"}"#).unwrap();
        assert_eq!(old.key(), "webdav https://dav.example ");
        // A missing field or an unknown kind is refused with serde's usual words.
        for (json, words) in [
            (r#"{"kind":"relay"}"#, "missing field `url`"),
            (
                r#"{"kind":"s3","endpoint":"https://s3.example","region":"x","bucket":"b","access_key_id":"k"}"#,
                "missing field `secret_access_key`",
            ),
            (r#"{"kind":"ftp","url":"ftp://x"}"#, "unknown variant `ftp`"),
            (r#"{"url":"https://relay.example"}"#, "missing field `kind`"),
        ] {
            let err = serde_json::from_str::<Endpoint>(json)
                .unwrap_err()
                .to_string();
            assert!(err.contains(words), "{json}: {err}");
        }
    }

    #[test]
    fn entries_are_checked_and_tidied() {
        let Ok(Endpoint::S3(tidy)) = s3().checked() else {
            panic!("not S3");
        };
        assert_eq!(tidy.region, "us-east-1");
        assert_eq!(tidy.prefix, "patients");
        let bad = Endpoint::WebDav(WebDavFolder {
            url: "http://dav.example".into(),
            user: String::new(),
            password: String::new(),
        });
        assert!(matches!(bad.checked(), Err(EndpointError::Address(_))));
        let no_bucket = Endpoint::S3(S3Config {
            bucket: " ".into(),
            ..s3_config()
        });
        assert_eq!(
            no_bucket.checked().unwrap_err(),
            EndpointError::Bucket(String::new())
        );
        let no_secret = Endpoint::S3(S3Config {
            secret_access_key: String::new(),
            ..s3_config()
        });
        assert_eq!(
            no_secret.checked().unwrap_err(),
            EndpointError::Missing("secret access key")
        );
        assert_eq!(
            s3().origin().as_deref(),
            Some("https://s3.example"),
            "the origin is what a page's connect-src needs"
        );
        assert_eq!(webdav().origin().as_deref(), Some("https://dav.example"));
    }

    #[test]
    fn each_vault_has_its_own_folder() {
        let seen = std::rc::Rc::default();
        let store = webdav()
            .connect(Recorder(std::rc::Rc::clone(&seen)), ID, "", || 0)
            .unwrap();
        assert!(futures::executor::block_on(store.get_header()).is_err());
        let store = s3()
            .connect(Recorder(std::rc::Rc::clone(&seen)), ID, "", || 0)
            .unwrap();
        assert!(futures::executor::block_on(store.get_header()).is_err());
        let seen = seen.borrow();
        assert!(
            seen[0].starts_with(&format!(
                "GET https://dav.example/files/alex/Hearth/hearth-{ID}/header"
            )),
            "{seen:?}"
        );
        assert!(
            seen[1].starts_with(&format!(
                "GET https://s3.example/clinic-backups/patients/hearth-{ID}/header?"
            )),
            "{seen:?}"
        );
    }
}
