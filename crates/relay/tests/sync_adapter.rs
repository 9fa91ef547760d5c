//! hearth-sync's relay adapter against the real `hearth-relay` binary: the same
//! conformance suite the in-memory store passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use hearth_sync::{BlobStore, RelayStore, ReqwestTransport, StoreError};

struct RunningRelay {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for RunningRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_relay() -> RunningRelay {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hearth-relay"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--requests-per-second",
            "0",
            "--data",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .trim_start_matches("Hearth relay listening on ")
        .trim_end_matches('/')
        .to_owned();
    RunningRelay {
        child,
        url,
        _dir: dir,
    }
}

#[tokio::test]
async fn the_relay_adapter_meets_the_blob_store_contract() {
    let relay = start_relay();
    let store = RelayStore::new(
        ReqwestTransport::default(),
        &relay.url,
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
        &relay.url,
        "vault_owner_000000001",
        "owner",
    );
    owner.register().await.unwrap();
    owner.put_object("a", b"x").await.unwrap();
    let intruder = RelayStore::new(
        ReqwestTransport::default(),
        &relay.url,
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
