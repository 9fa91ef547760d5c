//! The understanding worker's entry point (see `hearth::nlu_worker`). Started by the widget
//! with `new Worker(".../nlu-worker.js", { type: "module" })`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    hearth::nlu_worker::run();
}
