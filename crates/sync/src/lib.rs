//! # hearth-sync — end-to-end-encrypted blobs to any storage endpoint
//!
//! The storage side of Hearth only ever holds ciphertext produced by `hearth-vault`. This
//! crate is the client half of that contract.
//!
//! What it will hold, and how the parts fit:
//!
//! - **`BlobStore`**: the one trait the engine is written against (create-only put, get,
//!   list after a name, the mutable vault header with compare-and-set), with an in-memory
//!   implementation for tests and adapters for the Hearth relay, WebDAV and S3 presigned
//!   URLs — HTTP through `gloo-net` in the browser and `reqwest` natively.
//! - **Object naming**: item versions are immutable and content-addressed, so an identical
//!   retry is harmless and a server without conditional writes still loses nothing.
//! - **The engine**: an outbox persisted next to the encrypted items, listing of unseen
//!   objects, verification through the vault, lineage merge by parent hash with visible
//!   conflicts (never a silent overwrite), tombstones, retries with jittered backoff.
//!
//! Today the crate holds the naming rules shared with `hearth-relay` and the storage
//! contract ([`BlobStore`], [`MemoryBlobStore`], and the [`store::conformance`] suite every
//! adapter must pass); the engine and the adapters land with the sync issue.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod relay;
pub mod store;

#[cfg(feature = "reqwest")]
pub use relay::ReqwestTransport;
pub use relay::{HttpRequest, HttpResponse, HttpTransport, RelayStore};
pub use store::{
    etag_of, BlobStore, HeaderWrite, Listed, MemoryBlobStore, Page, PutOutcome, StoreError,
};

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
