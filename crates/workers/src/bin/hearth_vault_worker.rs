//! The vault worker's entry point (see `hearth::worker`). Started by the widget with
//! `new Worker(".../vault-worker.js", { type: "module" })`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    hearth::worker::run();
}
