//! The widget's entry point. Starting the module only prepares the runtime; the loader
//! (`public/hearth.js`) then calls the exported `mount` for each `<hearth-widget>` element.

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

/// Mounts the clinician console into `root`; see [`hearth::mount_console`].
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn mount_console(
    root: web_sys::HtmlElement,
    clinic_url: String,
    assets_url: String,
) -> Result<(), wasm_bindgen::JsValue> {
    hearth::mount_console(root, clinic_url, assets_url)
}
