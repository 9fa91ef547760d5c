//! hearth-sync's relay adapter against the real `hearth-relay` binary: the same
//! conformance suite the in-memory store passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hearth_sync::{BlobStore, RelayStore, ReqwestTransport, StoreError};
use support::start_relay;

#[tokio::test]
async fn the_relay_adapter_meets_the_blob_store_contract() {
    let relay = start_relay();
    let store = RelayStore::new(
        ReqwestTransport::default(),
        &relay.url(),
        "vault_conformance_0001",
        "secret-token",
    );
    store.register().await.unwrap();
    hearth_sync::store::conformance::run(&store).await;
}

#[tokio::test]
async fn wrong_tokens_and_erased_vaults_are_typed_errors() {
    let relay = start_relay();
    let owner = RelayStore::new(
        ReqwestTransport::default(),
        &relay.url(),
        "vault_owner_000000001",
        "owner",
    );
    owner.register().await.unwrap();
    owner.put_object("a", b"x").await.unwrap();
    let intruder = RelayStore::new(
        ReqwestTransport::default(),
        &relay.url(),
        "vault_owner_000000001",
        "guess",
    );
    assert_eq!(intruder.get_object("a").await, Err(StoreError::Forbidden));
    assert_eq!(intruder.register().await, Err(StoreError::Forbidden));
    owner.erase().await.unwrap();
    assert_eq!(owner.get_object("a").await, Err(StoreError::NotFound));
    let offline = RelayStore::new(
        ReqwestTransport::default(),
        "http://127.0.0.1:9",
        "vault_owner_000000001",
        "owner",
    );
    let err = offline.get_object("a").await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn two_devices_sync_through_the_relay() {
    let relay = start_relay();
    let store = RelayStore::new(
        ReqwestTransport::default(),
        &relay.url(),
        "vault_two_devices_0001",
        "secret-token",
    );
    store.register().await.unwrap();
    hearth_sync::engine::suite::run_two_devices(&store).await;
}
