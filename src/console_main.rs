//! The clinician console's entry point: its own module, so the console's code is not part of
//! what every patient downloads. The loader (`public/hearth.js`) loads it for
//! `<hearth-widget data-mode="clinician">` and calls the exported `mount_console`.

fn main() {
    hearth::start();
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
