//! The storage contract every endpoint meets, and an in-memory implementation of it.
//!
//! [`BlobStore`] is what the sync engine is written against. Its semantics are the relay's
//! v1 API (DESIGN.md section 4), so the relay, WebDAV and S3 adapters can all be checked
//! against one conformance suite ([`conformance`]), run here against [`MemoryBlobStore`].

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The ETag of a stored value: the quoted hex SHA-256 of its bytes, as the relay sends it.
pub fn etag_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// How a header write must relate to what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderWrite {
    /// Only if there is no header yet (`If-None-Match: *`).
    Create,
    /// Only if the stored header still has this ETag (`If-Match`).
    Replace {
        /// The ETag the writer last read.
        etag: String,
    },
}

/// What a successful create-only put found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The object did not exist and was written.
    Created,
    /// The same bytes were already there (a harmless retry).
    AlreadyThere,
}

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The object's name.
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its ETag.
    pub etag: String,
}

/// A page of a listing, in name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The objects on this page.
    pub objects: Vec<Listed>,
    /// The name to list after for the next page, if there is one.
    pub next: Option<String>,
}

/// Why a storage request failed. [`StoreError::is_retryable`] says whether to try again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No credentials (token, password) were sent, or they were not accepted.
    #[error("the storage endpoint wants credentials")]
    Unauthorized,
    /// The credentials are not good for this vault (another vault's token, a wrong key).
    #[error("the storage endpoint refused the credentials")]
    Forbidden,
    /// The vault, header or object does not exist.
    #[error("not found on the storage endpoint")]
    NotFound,
    /// The object name breaks the v1 naming rules (1–200 of `[A-Za-z0-9._-]`).
    #[error("{0:?} is not a valid object name")]
    InvalidName(String),
    /// A different object already has this name, or the header changed since it was read.
    #[error("the stored value differs from what this write expected")]
    Conflict,
    /// The object is over the endpoint's size limit.
    #[error("the object is too large for the storage endpoint")]
    TooLarge,
    /// The vault is over its quota.
    #[error("the vault is over its storage quota")]
    QuotaExceeded,
    /// Too many requests; try again after this many seconds.
    #[error("the storage endpoint asks to slow down ({retry_after_s} s)")]
    RateLimited {
        /// Seconds to wait.
        retry_after_s: u64,
    },
    /// The endpoint refused a signature made with this device's clock, which is too far
    /// from its own (S3's `RequestTimeTooSkewed`).
    #[error("the storage endpoint says this device's clock is wrong")]
    ClockSkew,
    /// The network failed or the endpoint is unavailable.
    #[error("the storage endpoint could not be reached: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// What the patient can mend on this device when the endpoint refuses: the credentials
    /// (no token or a wrong one, a wrong password or key) or the clock. Trying again will
    /// not help until they do.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            StoreError::Unauthorized | StoreError::Forbidden => Some(Refusal::Credentials),
            StoreError::ClockSkew => Some(Refusal::Clock),
            _ => None,
        }
    }

    /// Whether the same request may succeed later (network trouble, rate limits).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Unavailable(_) | StoreError::RateLimited { .. }
        )
    }
}

/// Why an endpoint refused, when something on the device can be mended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The credentials: a token, password or key.
    Credentials,
    /// The device's clock (signatures carry the time).
    Clock,
}

/// A storage endpoint for one vault, holding only ciphertext.
///
/// Objects are create-only; the header is the one mutable value and changes only by
/// compare-and-set. Implementations run on one thread (a browser worker), so their futures
/// need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait BlobStore {
    /// Reads the vault header and its ETag.
    async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError>;
    /// Writes the vault header under `condition`; returns the new ETag.
    async fn put_header(&self, bytes: &[u8], condition: HeaderWrite) -> Result<String, StoreError>;
    /// Writes an object that must not exist yet with different bytes.
    async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<PutOutcome, StoreError>;
    /// Reads an object.
    async fn get_object(&self, name: &str) -> Result<Vec<u8>, StoreError>;
    /// Lists objects after `after` (exclusive), at most `limit` (1 to 1,000).
    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Page, StoreError>;
}

/// Storage of plain files (WebDAV, S3) that may ignore conditional requests. The adapters
/// keep the [`BlobStore`] rules by reading before they write ([`put_header_by_reading`],
/// [`put_object_by_reading`]): objects are content-addressed, so a race there loses nothing,
/// and the header is last writer wins where the server ignores `If-Match`.
#[allow(async_fn_in_trait)]
pub(crate) trait PlainFiles {
    /// Reads `path`: its bytes and the server's ETag, or `None` if there is no such file.
    async fn read_file(&self, path: &str) -> Result<Option<(Vec<u8>, Option<String>)>, StoreError>;
    /// Writes `bytes` at `path` with at most one precondition header.
    async fn write_file(
        &self,
        path: &str,
        precondition: Option<(&'static str, String)>,
        bytes: &[u8],
    ) -> Result<(), StoreError>;
    /// Whether writes may carry `If-None-Match` / `If-Match`.
    fn conditional(&self) -> bool;
}

/// The header's compare-and-set over plain files: read, compare with our own ETag of the
/// bytes (never the server's), then write, passing the server's tag as `If-Match` so a server
/// that honours it refuses a write that lost the race since.
pub(crate) async fn put_header_by_reading(
    files: &impl PlainFiles,
    path: &str,
    bytes: &[u8],
    condition: HeaderWrite,
) -> Result<String, StoreError> {
    let precondition = match (&condition, files.read_file(path).await?) {
        (HeaderWrite::Create, None) => Some(("if-none-match", "*".to_owned())),
        (HeaderWrite::Replace { etag }, Some((current, server_etag)))
            if *etag == etag_of(&current) =>
        {
            server_etag.map(|tag| ("if-match", tag))
        }
        _ => return Err(StoreError::Conflict),
    };
    let precondition = precondition.filter(|_| files.conditional());
    files.write_file(path, precondition, bytes).await?;
    Ok(etag_of(bytes))
}

/// A create-only write over plain files: the same bytes already there are a harmless retry,
/// different bytes a conflict.
pub(crate) async fn put_object_by_reading(
    files: &impl PlainFiles,
    path: &str,
    bytes: &[u8],
) -> Result<PutOutcome, StoreError> {
    if let Some((existing, _)) = files.read_file(path).await? {
        return if existing == bytes {
            Ok(PutOutcome::AlreadyThere)
        } else {
            Err(StoreError::Conflict)
        };
    }
    let create = files
        .conditional()
        .then(|| ("if-none-match", "*".to_owned()));
    match files.write_file(path, create, bytes).await {
        Ok(()) => Ok(PutOutcome::Created),
        // A server that honours `If-None-Match` saw another writer first: same bytes or not?
        Err(StoreError::Conflict) => match files.read_file(path).await? {
            Some((existing, _)) if existing == bytes => Ok(PutOutcome::AlreadyThere),
            _ => Err(StoreError::Conflict),
        },
        Err(other) => Err(other),
    }
}

/// A [`BlobStore`] in memory with the relay's semantics, for tests.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    header: RefCell<Option<Vec<u8>>>,
    objects: RefCell<BTreeMap<String, Vec<u8>>>,
}

impl MemoryBlobStore {
    /// Deletes the header and every object (what erasing a vault on an endpoint does).
    pub fn erase(&self) {
        self.header.borrow_mut().take();
        self.objects.borrow_mut().clear();
    }
}

impl BlobStore for MemoryBlobStore {
    async fn get_header(&self) -> Result<(Vec<u8>, String), StoreError> {
        let header = self.header.borrow();
        let bytes = header.as_ref().ok_or(StoreError::NotFound)?;
        Ok((bytes.clone(), etag_of(bytes)))
    }

    async fn put_header(&self, bytes: &[u8], condition: HeaderWrite) -> Result<String, StoreError> {
        let mut header = self.header.borrow_mut();
        let allowed = match (&condition, header.as_ref()) {
            (HeaderWrite::Create, None) => true,
            (HeaderWrite::Replace { etag }, Some(current)) => *etag == etag_of(current),
            _ => false,
        };
        if !allowed {
            return Err(StoreError::Conflict);
        }
        *header = Some(bytes.to_vec());
        Ok(etag_of(bytes))
    }

    async fn put_object(&self, name: &str, bytes: &[u8]) -> Result<PutOutcome, StoreError> {
        if !crate::is_valid_object_name(name) {
            return Err(StoreError::InvalidName(name.to_owned()));
        }
        let mut objects = self.objects.borrow_mut();
        match objects.get(name) {
            Some(existing) if existing == bytes => Ok(PutOutcome::AlreadyThere),
            Some(_) => Err(StoreError::Conflict),
            None => {
                objects.insert(name.to_owned(), bytes.to_vec());
                Ok(PutOutcome::Created)
            }
        }
    }

    async fn get_object(&self, name: &str) -> Result<Vec<u8>, StoreError> {
        self.objects
            .borrow()
            .get(name)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, 1000);
        let objects = self.objects.borrow();
        let mut page: Vec<Listed> = objects
            .iter()
            .filter(|(name, _)| after.is_none_or(|a| name.as_str() > a))
            .take(limit + 1)
            .map(|(name, bytes)| Listed {
                name: name.clone(),
                size: bytes.len() as u64,
                etag: etag_of(bytes),
            })
            .collect();
        let next = if page.len() > limit {
            page.truncate(limit);
            page.last().map(|l| l.name.clone())
        } else {
            None
        };
        Ok(Page {
            objects: page,
            next,
        })
    }
}

/// The conformance suite every [`BlobStore`] passes: run it against a fresh, empty store.
/// Each check panics with a message naming the broken rule.
pub mod conformance {
    use super::*;

    /// What a store's listings promise about [`Listed::etag`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum ListingEtags {
        /// Listed ETags are [`etag_of`] the bytes (the relay, [`MemoryBlobStore`]).
        ContentHash,
        /// Listed ETags are the server's own, opaque tags (WebDAV, S3): not checked.
        Opaque,
    }

    /// Runs every check against `store`, which must start empty and list content-hash
    /// ETags ([`ListingEtags::ContentHash`]).
    pub async fn run(store: &impl BlobStore) {
        run_with(store, ListingEtags::ContentHash).await;
    }

    /// Runs every check against `store`, which must start empty, with its listings' ETags
    /// held to `etags`.
    pub async fn run_with(store: &impl BlobStore, etags: ListingEtags) {
        header_compare_and_set(store).await;
        objects_are_create_only(store).await;
        listing_pages_in_name_order(store, etags).await;
    }

    async fn header_compare_and_set(store: &impl BlobStore) {
        assert_eq!(
            store.get_header().await,
            Err(StoreError::NotFound),
            "no header yet"
        );
        let first = store.put_header(b"h1", HeaderWrite::Create).await;
        assert_eq!(
            first.as_deref(),
            Ok(etag_of(b"h1").as_str()),
            "first header write"
        );
        assert_eq!(
            store.put_header(b"h1", HeaderWrite::Create).await,
            Err(StoreError::Conflict),
            "a second create must fail"
        );
        let (bytes, etag) = store.get_header().await.unwrap_or_default();
        assert_eq!(bytes, b"h1");
        let stale = HeaderWrite::Replace {
            etag: etag_of(b"other"),
        };
        assert_eq!(
            store.put_header(b"h2", stale).await,
            Err(StoreError::Conflict),
            "stale etag"
        );
        let replace = HeaderWrite::Replace { etag: etag.clone() };
        assert!(
            store.put_header(b"h2", replace).await.is_ok(),
            "current etag replaces"
        );
        let lost = HeaderWrite::Replace { etag };
        assert_eq!(
            store.put_header(b"h3", lost).await,
            Err(StoreError::Conflict),
            "lost race"
        );
    }

    async fn objects_are_create_only(store: &impl BlobStore) {
        assert_eq!(
            store.put_object("obj.1", b"one").await,
            Ok(PutOutcome::Created)
        );
        assert_eq!(
            store.put_object("obj.1", b"one").await,
            Ok(PutOutcome::AlreadyThere)
        );
        assert_eq!(
            store.put_object("obj.1", b"two").await,
            Err(StoreError::Conflict)
        );
        assert_eq!(
            store.get_object("obj.1").await.as_deref(),
            Ok(b"one".as_slice())
        );
        assert_eq!(store.get_object("missing").await, Err(StoreError::NotFound));
        assert!(
            matches!(
                store.put_object("../x", b"x").await,
                Err(StoreError::InvalidName(_))
            ),
            "names outside the v1 rules are refused"
        );
    }

    async fn listing_pages_in_name_order(store: &impl BlobStore, etags: ListingEtags) {
        for name in ["obj.4", "obj.2", "obj.3"] {
            assert!(store.put_object(name, name.as_bytes()).await.is_ok());
        }
        let first = store.list(None, 2).await.unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<_> = first.objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["obj.1", "obj.2"]);
        if etags == ListingEtags::ContentHash {
            assert_eq!(first.objects[0].etag, etag_of(b"one"));
        }
        assert_eq!(first.objects[0].size, 3);
        let rest = store
            .list(first.next.as_deref(), 10)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<_> = rest.objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["obj.3", "obj.4"]);
        assert_eq!(rest.next, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_store_meets_the_contract() {
        futures::executor::block_on(conformance::run(&MemoryBlobStore::default()));
    }

    #[test]
    fn only_network_trouble_is_retried() {
        assert!(StoreError::Unavailable("reset".into()).is_retryable());
        assert!(StoreError::RateLimited { retry_after_s: 1 }.is_retryable());
        assert!(!StoreError::Conflict.is_retryable());
        assert!(!StoreError::Forbidden.is_retryable());
    }
}
