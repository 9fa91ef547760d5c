//! The widget's entry point. Starting the module only prepares the runtime; the loader
//! (`public/hearth.js`) then calls the exported `mount` for each `<hearth-widget>` element.
//! The clinician console is a separate module (`src/console_main.rs`), so patients do not
//! download it.

fn main() {
    hearth::start();
}

/// Mounts the widget into `root`; see [`hearth::mount`].
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount(
    root: web_sys::HtmlElement,
    clinic_url: String,
    assets_url: String,
) -> Result<(), wasm_bindgen::JsValue> {
    hearth::mount(root, clinic_url, assets_url)
}
