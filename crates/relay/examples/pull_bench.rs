//! Sync benchmark: one device seals and pushes 1,000 journal-sized entries to a running
//! relay; a second device (empty) pulls, verifies and stores them. Prints one JSON object.
//!
//! `cargo run --release -p hearth-relay --example pull_bench -- http://127.0.0.1:8080`
//! (the relay must run without a rate limit: `--requests-per-second 0`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use hearth_sync::{
    Engine, MemoryReplica, RelayStore, Replica, ReqwestTransport, RetryPolicy, Sleeper,
};
use hearth_vault::{
    DeviceId, EnvelopeKind, EnvelopeMeta, ItemId, KdfParams, Passphrase, UnlockedVault,
};

const ENTRIES: usize = 1000;

struct Tokio;

impl Sleeper for Tokio {
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args()
        .nth(1)
        .expect("usage: pull_bench RELAY_URL");
    let passphrase = Passphrase::new("benchmark vault passphrase".into()).unwrap();
    let vault = UnlockedVault::create(&passphrase, KdfParams::MINIMUM)
        .unwrap()
        .0;
    let remote = RelayStore::new(
        ReqwestTransport::default(),
        &url,
        &vault.vault_id().to_relay_id(),
        &vault.relay_token().to_base64url(),
    );
    remote.register().await.unwrap();

    let first = MemoryReplica::default();
    let device = DeviceId::random().unwrap();
    let sealing = Instant::now();
    for i in 0..ENTRIES {
        let meta = EnvelopeMeta {
            kind: EnvelopeKind::Item,
            item_id: ItemId::random().unwrap(),
            item_version: 1,
            device_id: device,
            parent: None,
        };
        let body = format!(
            r#"{{"type":"journal","text":"Entry {i}: a short paragraph about the day, the walk, sleep and how the evening went.","created_at":"2026-11-27T10:00:00Z"}}"#
        );
        let envelope = vault.seal(&meta, body.as_bytes()).unwrap();
        first
            .store(&envelope.object_name(), envelope.as_bytes())
            .await
            .unwrap();
    }
    let seal_ms = sealing.elapsed().as_secs_f64() * 1000.0;
    let bytes: usize = first.stored().values().map(Vec::len).sum();

    let engine = |local| Engine {
        remote: &remote,
        local,
        vault: &vault,
        endpoint: "bench",
        policy: RetryPolicy::default(),
        sleeper: &Tokio,
    };
    let pushing = Instant::now();
    let pushed = engine(&first).run(0).await.unwrap();
    let push_ms = pushing.elapsed().as_secs_f64() * 1000.0;
    assert_eq!((pushed.uploaded, pushed.error), (ENTRIES, None));

    let second = MemoryReplica::default();
    let pulling = Instant::now();
    let pulled = engine(&second).run(0).await.unwrap();
    let pull_ms = pulling.elapsed().as_secs_f64() * 1000.0;
    assert_eq!((pulled.downloaded, pulled.error), (ENTRIES, None));

    let idle = Instant::now();
    engine(&second).run(0).await.unwrap();
    let idle_ms = idle.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{{\"entries\":{ENTRIES},\"envelope_bytes_total\":{bytes},\"seal_ms\":{seal_ms:.1},\
         \"push_ms\":{push_ms:.1},\"pull_1000_ms\":{pull_ms:.1},\"idle_sync_ms\":{idle_ms:.1}}}"
    );
}
