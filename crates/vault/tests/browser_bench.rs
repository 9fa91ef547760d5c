//! Vault benchmarks in headless Chromium (prints numbers; asserts only that they exist).
//!
//! Run with:
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p hearth-vault --release --target wasm32-unknown-unknown --test browser_bench -- --nocapture`
//! (`scripts/bench` runs it and records the results in `docs/BENCHMARKS.md`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use hearth_vault::{
    DeviceId, EnvelopeKind, EnvelopeMeta, ItemId, KdfParams, Passphrase, UnlockedVault,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

#[wasm_bindgen_test]
fn vault_in_the_browser() {
    let passphrase = Passphrase::new("violet harbour lantern seventeen".to_owned()).unwrap();
    let (vault, _recovery) = UnlockedVault::create(&passphrase, KdfParams::DEFAULT).unwrap();
    let header = vault.header().clone();

    let unlock: Vec<f64> = (0..5)
        .map(|_| {
            let start = now_ms();
            UnlockedVault::unlock(&header, &passphrase).unwrap();
            now_ms() - start
        })
        .collect();

    let meta = EnvelopeMeta {
        kind: EnvelopeKind::Item,
        item_id: ItemId::random().unwrap(),
        item_version: 1,
        device_id: DeviceId::random().unwrap(),
        parent: None,
    };
    let entry = vec![b'x'; 4096];
    let rounds = 200;
    let start = now_ms();
    let mut size = 0;
    for _ in 0..rounds {
        let envelope = vault.seal(&meta, &entry).unwrap();
        size = envelope.as_bytes().len();
        assert_eq!(vault.open(&envelope).unwrap().len(), entry.len());
    }
    let seal_open_ms = (now_ms() - start) / f64::from(rounds);

    let unlock_ms = median(unlock);
    assert!(unlock_ms > 0.0 && seal_open_ms > 0.0);
    console_log!(
        "BENCH {{\"unlock_ms\": {unlock_ms:.1}, \"seal_open_4k_ms\": {seal_open_ms:.3}, \
         \"envelope_4k_bytes\": {size}}}"
    );
}
