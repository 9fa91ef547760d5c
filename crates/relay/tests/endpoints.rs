//! The endpoints a patient can choose in Settings (`hearth_sync::Endpoint`), exactly as the
//! widget uses them — connect, prepare, sync, erase — against real servers: the relay
//! binary, `rclone serve webdav` and `rclone serve s3`. Each vault gets its own folder, two
//! devices sync through it, and erasing leaves nothing of the vault behind (and nothing of
//! anyone else's touched).
//!
//! Without rclone these tests fail with a message saying how to install it; they never skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hearth_sync::{
    BlobStore, Endpoint, EndpointStore, ReqwestTransport, S3Config, StoreError, WebDavFolder,
};
use support::rclone::{start_rclone_s3, start_rclone_webdav};
use support::start_relay;

const ALICE: &str = "a11ce0000000000000000000000000a1";
const BOB: &str = "b0b0000000000000000000000000b0b0";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn connect(endpoint: &Endpoint, vault: &str) -> EndpointStore<ReqwestTransport> {
    endpoint
        .connect(
            ReqwestTransport::default(),
            vault,
            &format!("token-{vault}"),
            now,
        )
        .unwrap()
}

/// Two vaults on `endpoint`: Alice's goes through the two-device sync suite and is erased;
/// Bob's, which shares the endpoint, is untouched by that.
async fn sync_then_erase(endpoint: &Endpoint) {
    let alice = connect(endpoint, ALICE);
    let bob = connect(endpoint, BOB);
    alice.prepare().await.unwrap();
    alice.prepare().await.unwrap(); // harmless when done
    bob.prepare().await.unwrap();
    bob.put_object("bobs-object", b"bob's ciphertext")
        .await
        .unwrap();
    hearth_sync::engine::suite::run_two_devices(&alice).await;
    assert!(!alice.list(None, 1000).await.unwrap().objects.is_empty());

    alice.erase().await.unwrap();
    assert_eq!(alice.get_header().await, Err(StoreError::NotFound));
    let left = match alice.list(None, 1000).await {
        Ok(page) => page.objects,
        // A relay forgets an erased vault; a WebDAV folder is gone with it.
        Err(StoreError::NotFound | StoreError::Unauthorized) => Vec::new(),
        Err(other) => panic!("listing after erase: {other:?}"),
    };
    assert!(left.is_empty(), "left after erase: {left:?}");
    alice.erase().await.unwrap_or_else(|err| {
        // The relay answers 404 for a vault it no longer knows; the others erase nothing.
        assert!(
            matches!(endpoint, Endpoint::Relay { .. }) && err == StoreError::NotFound,
            "a second erase: {err:?}"
        );
    });
    assert_eq!(
        bob.get_object("bobs-object").await.unwrap(),
        b"bob's ciphertext"
    );
}

#[tokio::test]
async fn a_relay_endpoint_syncs_and_erases() {
    let relay = start_relay();
    sync_then_erase(&Endpoint::Relay { url: relay.url() }).await;
}

#[tokio::test]
async fn a_webdav_endpoint_syncs_and_erases() {
    let dav = start_rclone_webdav();
    let endpoint = Endpoint::WebDav(WebDavFolder {
        url: format!("{}Hearth/backups", dav.url()),
        user: dav.user().to_owned(),
        password: dav.pass().to_owned(),
    });
    sync_then_erase(&endpoint).await;
    let folders: Vec<_> = std::fs::read_dir(dav.root().join("Hearth/backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        folders,
        [format!("hearth-{BOB}")],
        "only Bob's folder is left"
    );
}

#[tokio::test]
async fn an_s3_endpoint_syncs_and_erases() {
    let s3 = start_rclone_s3();
    let endpoint = Endpoint::S3(S3Config {
        endpoint: s3.endpoint(),
        region: s3.region().to_owned(),
        bucket: s3.bucket().to_owned(),
        prefix: "patients".to_owned(),
        access_key_id: s3.access_key().to_owned(),
        secret_access_key: s3.secret_key().to_owned(),
    });
    sync_then_erase(&endpoint).await;
    assert_eq!(
        s3.keys(),
        [format!("patients/hearth-{BOB}/objects/bobs-object")],
        "only Bob's object is left"
    );
}

#[tokio::test]
async fn wrong_webdav_credentials_are_refused_plainly() {
    let dav = start_rclone_webdav();
    let endpoint = Endpoint::WebDav(WebDavFolder {
        url: dav.url(),
        user: dav.user().to_owned(),
        password: "not the password".to_owned(),
    });
    let store = connect(&endpoint, ALICE);
    let err = store.prepare().await.unwrap_err();
    assert_eq!(err, StoreError::Unauthorized);
    assert!(!err.is_retryable());
}
