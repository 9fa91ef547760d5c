//! The adapter suites in a real browser: the conformance suite and the two-device sync suite
//! over the browser's `fetch` (`FetchTransport`), against the relay binary, `rclone serve
//! webdav` and `rclone serve s3`, each started by `scripts/test` with CORS for this page's
//! origin. The same suites run natively in `hearth-relay`'s tests.
//!
//! Run by scripts/test (it starts the servers and sets `HEARTH_BROWSER_RELAY`,
//! `HEARTH_BROWSER_WEBDAV` = `url|user|password` and `HEARTH_BROWSER_S3` =
//! `endpoint|region|bucket|access key|secret key` at build time, and
//! `WASM_BINDGEN_TEST_ADDRESS` so the page's origin is known). Without them the tests fail
//! with that message; they never skip.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hearth_sync::engine::suite::run_two_devices;
use hearth_sync::store::conformance::{self, ListingEtags};
use hearth_sync::{FetchTransport, RelayStore, S3Config, S3Store, WebDavStore};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn setting(name: &str, value: Option<&'static str>) -> Vec<&'static str> {
    value
        .unwrap_or_else(|| panic!("{name} is not set: run scripts/test, which starts the servers"))
        .split('|')
        .collect()
}

/// A fresh name, so runs never share a vault.
fn unique(prefix: &str) -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}

fn relay(vault: &str) -> RelayStore<FetchTransport> {
    let url = setting("HEARTH_BROWSER_RELAY", option_env!("HEARTH_BROWSER_RELAY"))[0];
    RelayStore::new(FetchTransport, url, vault, "browser-suite-token")
}

fn webdav(folder: &str) -> WebDavStore<FetchTransport> {
    let parts = setting(
        "HEARTH_BROWSER_WEBDAV",
        option_env!("HEARTH_BROWSER_WEBDAV"),
    );
    // rclone's CORS preflight does not allow If-None-Match / If-Match.
    WebDavStore::new(
        FetchTransport,
        &format!("{}/{folder}/", parts[0]),
        Some((parts[1], parts[2])),
    )
    .without_conditional_headers()
}

fn s3(prefix: &str) -> S3Store<FetchTransport> {
    let parts = setting("HEARTH_BROWSER_S3", option_env!("HEARTH_BROWSER_S3"));
    let config = S3Config {
        endpoint: parts[0].to_owned(),
        region: parts[1].to_owned(),
        bucket: parts[2].to_owned(),
        prefix: format!("vaults/{prefix}/"),
        access_key_id: parts[3].to_owned(),
        secret_access_key: parts[4].to_owned(),
    };
    S3Store::new(FetchTransport, config, || {
        (js_sys::Date::now() / 1000.0) as u64
    })
    .unwrap()
    .without_conditional_headers()
}

#[wasm_bindgen_test]
async fn the_relay_adapter_meets_the_contract_in_the_browser() {
    let store = relay(&unique("browser_conformance"));
    store.register().await.unwrap();
    conformance::run(&store).await;
}

#[wasm_bindgen_test]
async fn two_devices_sync_through_the_relay_in_the_browser() {
    let store = relay(&unique("browser_two_devices"));
    store.register().await.unwrap();
    run_two_devices(&store).await;
}

#[wasm_bindgen_test]
async fn the_webdav_adapter_meets_the_contract_in_the_browser() {
    let store = webdav(&unique("conformance"));
    store.ensure_folders().await.unwrap();
    conformance::run_with(&store, ListingEtags::Opaque).await;
}

#[wasm_bindgen_test]
async fn two_devices_sync_through_webdav_in_the_browser() {
    let store = webdav(&unique("two_devices"));
    store.ensure_folders().await.unwrap();
    run_two_devices(&store).await;
}

#[wasm_bindgen_test]
async fn the_s3_adapter_meets_the_contract_in_the_browser() {
    conformance::run_with(&s3(&unique("conformance")), ListingEtags::Opaque).await;
}

#[wasm_bindgen_test]
async fn two_devices_sync_through_s3_in_the_browser() {
    run_two_devices(&s3(&unique("two_devices"))).await;
}
