//! hearth-sync's WebDAV adapter against a real WebDAV server (`rclone serve webdav`, with
//! basic authentication): the conformance suite every store passes, the folder layout on
//! disk, and bad input (wrong credentials, a server that is gone, an unreadable listing).
//!
//! Without rclone these tests fail with a message saying how to install it; they never skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code, reason = "this binary starts no relay")]
mod support;

use hearth_sync::store::conformance::{self, ListingEtags};
use hearth_sync::{
    BlobStore, HeaderWrite, HttpRequest, HttpTransport, PutOutcome, ReqwestTransport, StoreError,
    WebDavStore,
};
use support::rclone::{start_rclone_webdav, RcloneWebdav};

/// The store for the vault folder `path` (relative, ending in `/`) on `dav`.
fn store_at(dav: &RcloneWebdav, path: &str) -> WebDavStore<ReqwestTransport> {
    WebDavStore::new(
        ReqwestTransport::default(),
        &format!("{}{path}", dav.url()),
        Some((dav.user(), dav.pass())),
    )
}

#[tokio::test]
async fn the_webdav_adapter_meets_the_blob_store_contract() {
    let dav = start_rclone_webdav();
    // Two levels that do not exist yet: ensure_folders creates the parents too.
    let store = store_at(&dav, "hearth/vault_conformance_0001/");
    store.ensure_folders().await.unwrap();
    store.ensure_folders().await.unwrap(); // folders that exist are fine
    conformance::run_with(&store, ListingEtags::Opaque).await;
}

#[tokio::test]
async fn two_devices_sync_through_webdav() {
    let dav = start_rclone_webdav();
    let store = store_at(&dav, "hearth/vault_two_devices_01/");
    store.ensure_folders().await.unwrap();
    hearth_sync::engine::suite::run_two_devices(&store).await;
}

#[tokio::test]
async fn the_vault_is_a_header_file_and_an_objects_folder() {
    let dav = start_rclone_webdav();
    let store = store_at(&dav, "hearth/vault_layout_000000001");
    assert_eq!(
        store.put_object("early", b"x").await,
        Err(StoreError::NotFound),
        "writing before the folders exist"
    );
    store.ensure_folders().await.unwrap();
    store
        .put_header(b"head", HeaderWrite::Create)
        .await
        .unwrap();
    assert_eq!(
        store.put_object("obj.1", b"one").await,
        Ok(PutOutcome::Created)
    );
    let vault = dav.root().join("hearth/vault_layout_000000001");
    assert_eq!(std::fs::read(vault.join("header")).unwrap(), b"head");
    assert_eq!(std::fs::read(vault.join("objects/obj.1")).unwrap(), b"one");

    // Whatever else lands in the folder is not listed: bad names, subfolders. (Written
    // through the server: rclone caches its directory listings, so it would not see files
    // written straight to its disk for a while.)
    let folder = format!(
        "{}/objects/",
        authenticated_url(&dav, "hearth/vault_layout_000000001")
    );
    for (method, path, body) in [
        ("PUT", "not%20valid", &b"?"[..]),
        ("PUT", "%2541", b"?"),
        ("MKCOL", "obj.0/", b""),
        ("PUT", "obj.2", b"two!"),
    ] {
        let status = raw(method, format!("{folder}{path}"), body).await;
        assert!((200..300).contains(&status), "{method} {path}: {status}");
    }
    let page = store.list(None, 10).await.unwrap();
    let listed: Vec<_> = page
        .objects
        .iter()
        .map(|o| (o.name.as_str(), o.size))
        .collect();
    assert_eq!(listed, [("obj.1", 3), ("obj.2", 4)]);
    assert!(page.objects.iter().all(|o| !o.etag.is_empty()));
    assert_eq!(
        store.list(Some("../x"), 10).await,
        Err(StoreError::InvalidName("../x".into()))
    );

    // A header changed behind the adapter's back: the etag is of the bytes, whatever the
    // server says, and a write based on the old one is refused.
    let (_, etag) = store.get_header().await.unwrap();
    let header = format!(
        "{}/header",
        authenticated_url(&dav, "hearth/vault_layout_000000001")
    );
    assert_eq!(raw("PUT", header, b"someone else").await, 201);
    assert_eq!(
        store
            .put_header(b"mine", HeaderWrite::Replace { etag })
            .await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.get_header().await.unwrap().0,
        b"someone else".to_vec()
    );
}

/// `dav`'s URL for `path` with the credentials in it (reqwest sends them as basic auth).
fn authenticated_url(dav: &RcloneWebdav, path: &str) -> String {
    dav.url().replacen(
        "http://",
        &format!("http://{}:{}@", dav.user(), dav.pass()),
        1,
    ) + path
}

/// Sends one request past the adapter; returns the status.
async fn raw(method: &'static str, url: String, body: &[u8]) -> u16 {
    let request = HttpRequest {
        method,
        url,
        headers: Vec::new(),
        body: body.to_vec(),
    };
    ReqwestTransport::default()
        .send(request)
        .await
        .unwrap()
        .status
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_typed_errors() {
    let dav = start_rclone_webdav();
    let owner = store_at(&dav, "vault_credentials_0001/");
    owner.ensure_folders().await.unwrap();
    owner.put_object("a", b"x").await.unwrap();

    let url = format!("{}vault_credentials_0001/", dav.url());
    let wrong = WebDavStore::new(
        ReqwestTransport::default(),
        &url,
        Some((dav.user(), "not-the-password")),
    );
    let anonymous = WebDavStore::new(ReqwestTransport::default(), &url, None);
    for store in [&wrong, &anonymous] {
        assert_eq!(store.get_object("a").await, Err(StoreError::Unauthorized));
        assert_eq!(
            store.put_object("b", b"y").await,
            Err(StoreError::Unauthorized)
        );
        assert_eq!(store.list(None, 10).await, Err(StoreError::Unauthorized));
        assert_eq!(store.get_header().await, Err(StoreError::Unauthorized));
        assert_eq!(store.ensure_folders().await, Err(StoreError::Unauthorized));
        assert!(!store.get_object("a").await.unwrap_err().is_retryable());
    }
    assert_eq!(owner.list(None, 10).await.unwrap().objects.len(), 1);
}

#[tokio::test]
async fn a_server_that_is_gone_is_a_retryable_error() {
    let dav = start_rclone_webdav();
    let store = store_at(&dav, "vault_gone_000000001/");
    store.ensure_folders().await.unwrap();
    drop(dav);
    for err in [
        store.get_object("a").await.unwrap_err(),
        store.put_object("a", b"x").await.unwrap_err(),
        store.list(None, 10).await.unwrap_err(),
        store.get_header().await.unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(err.is_retryable(), "{err:?}");
    }
}

#[tokio::test]
async fn an_unreadable_listing_is_an_error_not_a_panic() {
    let garbage: [(&str, &'static [u8]); 5] = [
        ("207 Multi-Status", b"\x00\xff not xml"),
        ("207 Multi-Status", b"<html><body>Sign in</body></html>"),
        (
            "207 Multi-Status",
            b"<d:multistatus xmlns:d='DAV:'><d:response><d:href>/vault/objects/a",
        ),
        (
            "207 Multi-Status",
            b"<d:multistatus xmlns:d='DAV:'><d:response><d:href>/vault/objects/a</d:href>\
              <d:propstat><d:prop><d:getcontentlength>lots</d:getcontentlength></d:prop>\
              </d:propstat></d:response></d:multistatus>",
        ),
        ("200 OK", b"<d:multistatus xmlns:d='DAV:'/>"),
    ];
    for (status, body) in garbage {
        let store = WebDavStore::new(
            ReqwestTransport::default(),
            &format!("http://{}/vault/", support::fake_server(status, body, 1)),
            None,
        );
        let err = store.list(None, 10).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Unavailable(_)),
            "{status}: {err:?}"
        );
    }
}
