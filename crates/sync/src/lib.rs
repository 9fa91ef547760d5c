//! # hearth-sync — end-to-end-encrypted blobs to any storage endpoint
//!
//! The storage side of Hearth only ever holds ciphertext produced by `hearth-vault`. This
//! crate is the client half of that contract.
//!
//! How the parts fit:
//!
//! - [`BlobStore`] ([`store`]): the one trait the engine is written against — create-only
//!   put, get, listing after a name, and the vault header (the one mutable object) with
//!   compare-and-set. [`MemoryBlobStore`] implements it for tests, and
//!   [`store::conformance`] is the suite every implementation passes.
//! - Adapters, each a [`BlobStore`] over an [`HttpTransport`] ([`ReqwestTransport`]
//!   natively with feature `reqwest`, `FetchTransport` — the browser's `fetch` — on
//!   wasm32): [`RelayStore`] (the Hearth relay's v1 API), [`WebDavStore`] (PUT, GET,
//!   PROPFIND, MKCOL) and [`S3Store`] (S3-compatible storage through SigV4 presigned URLs).
//!   Servers that ignore conditional requests lose nothing: objects are content-addressed.
//! - [`lineage`]: per item, versions form a graph by parent hash; [`merge`] finds each
//!   item's heads — one head is its state, several are a conflict the patient resolves,
//!   never a silent overwrite; tombstones delete; merge envelopes fold a branch away.
//! - [`engine`]: [`Engine::run`] pushes the outbox (every local envelope the endpoint is not
//!   known to hold, derived from what is persisted), lists and pulls what this device lacks,
//!   verifies each object through `hearth-vault` (well-formed, stored under its own content
//!   address, opens with this vault's key) and refuses the rest; requests are retried with
//!   jittered backoff ([`RetryPolicy`]). [`sync_header`] keeps the vault header in step.
//!
//! - [`endpoint`]: the patient's choice of [`Endpoint`] (relay, WebDAV folder, S3 bucket, as
//!   kept in their encrypted settings) and [`EndpointStore`], the vault's store there, which
//!   also prepares the endpoint for a new vault and erases it.
//!
//! The app (the vault worker) wires the engine to IndexedDB and to the patient's choice of
//! endpoint; `hearth-relay`'s tests run the adapters against the real relay and rclone's
//! WebDAV and S3 servers.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod endpoint;
pub mod engine;
#[cfg(target_arch = "wasm32")]
pub mod fetch;
pub mod lineage;
pub mod relay;
pub mod s3;
pub mod store;
pub mod webdav;

pub use endpoint::{is_acceptable_address, Endpoint, EndpointError, EndpointStore, WebDavFolder};
pub use engine::{
    sync_header, with_retries, Engine, HeaderError, HeaderSync, MemoryReplica, Rejected, Replica,
    ReplicaError, RetryPolicy, Sleeper, SyncReport, SyncState,
};
#[cfg(target_arch = "wasm32")]
pub use fetch::FetchTransport;
pub use lineage::{merge, ItemState, Version};
#[cfg(feature = "reqwest")]
pub use relay::ReqwestTransport;
pub use relay::{HttpRequest, HttpResponse, HttpTransport, RelayStore};
pub use s3::{S3Config, S3ConfigError, S3Store};
pub use store::{
    etag_of, BlobStore, HeaderWrite, Listed, MemoryBlobStore, Page, PutOutcome, Refusal, StoreError,
};
pub use webdav::WebDavStore;

/// The content-addressed name of an object: the lowercase hex SHA-256 of its bytes. For an
/// envelope this is [`hearth_vault::Envelope::object_name`].
pub fn object_name_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `id` is a valid vault or clinic identifier on the relay API (v1):
/// 16 to 64 characters of `[A-Za-z0-9_-]`.
pub fn is_valid_vault_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `name` is a valid object name on the relay API (v1):
/// 1 to 200 characters of `[A-Za-z0-9._-]`.
pub fn is_valid_object_name(name: &str) -> bool {
    (1..=200).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vault_ids_follow_the_api_rules() {
        assert!(is_valid_vault_id("abcdefghijklmnop"));
        assert!(is_valid_vault_id(&"a_-9".repeat(16)));
        assert!(!is_valid_vault_id("short"));
        assert!(!is_valid_vault_id(&"a".repeat(65)));
        assert!(!is_valid_vault_id("abcdefghijklmnop.")); // dots are for object names only
        assert!(!is_valid_vault_id("abcdefghijklmnop/.."));
    }

    #[test]
    fn object_names_follow_the_api_rules() {
        assert!(is_valid_object_name("a"));
        assert!(is_valid_object_name("item.v1.0123abcd"));
        assert!(!is_valid_object_name(""));
        assert!(!is_valid_object_name(&"x".repeat(201)));
        assert!(!is_valid_object_name("../etc/passwd"));
        assert!(!is_valid_object_name("a b"));
    }
}
