//! The browser side: the function the loader calls, and fetching the clinic configuration.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

use crate::clinic::{ClinicConfig, ClinicConfigError};
use crate::components::{App, ClinicState, ClinicianConsole};
use crate::nlu_client::Understanding;
use crate::storage::{LocalStorage, Store};
use crate::vault_client::Vault;

/// Mounts the widget into `root` (an element inside the `<hearth-widget>` shadow root).
///
/// `clinic_url` is the absolute URL of the clinic's `clinic.json`, or empty for none;
/// `assets_url` is the absolute URL of the directory holding the loader, where the two
/// workers (`vault-worker.js`, `nlu-worker.js`) and `model/` are. The widget
/// binary exports this to the loader as `mount` (see `src/main.rs`); it is not exported
/// from the library, so the vault worker's binary does not carry the UI.
pub fn mount(
    root: web_sys::HtmlElement,
    clinic_url: String,
    assets_url: String,
) -> Result<(), JsValue> {
    let clinic = load_clinic(clinic_url, root.clone());
    let locale = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default();
    let widget_origin = origin_of(&assets_url);
    let vault = Vault::worker(&format!("{assets_url}vault-worker.js"))?;
    let understanding = Understanding::worker(&format!("{assets_url}nlu-worker.js"));
    let handle = leptos::mount::mount_to(root, move || {
        view! { <App store=Store::new(LocalStorage) vault=vault understanding=understanding clinic=clinic locale=locale widget_origin=widget_origin /> }
    });
    // The widget lives as long as the page.
    handle.forget();
    Ok(())
}

/// Mounts the clinician console into `root` (the loader's `mode="clinician"`); arguments as
/// for [`mount`]. It starts only the vault worker: no model, nothing of a patient's.
pub fn mount_console(
    root: web_sys::HtmlElement,
    clinic_url: String,
    assets_url: String,
) -> Result<(), JsValue> {
    let clinic = load_clinic(clinic_url, root.clone());
    let widget_origin = origin_of(&assets_url);
    let vault = Vault::worker(&format!("{assets_url}vault-worker.js"))?;
    let handle = leptos::mount::mount_to(root, move || {
        view! { <ClinicianConsole store=Store::new(LocalStorage) vault=vault clinic=clinic widget_origin=widget_origin /> }
    });
    handle.forget();
    Ok(())
}

fn origin_of(url: &str) -> String {
    web_sys::Url::new(url)
        .map(|u| u.origin())
        .unwrap_or_default()
}

/// Sets the clinic's theme (CSS custom properties) on the `<hearth-widget>` element that
/// holds `root`, through the CSSOM (which a strict style-src allows).
fn apply_theme(root: &web_sys::HtmlElement, theme: &[(String, String)]) {
    let host = root
        .get_root_node()
        .dyn_into::<web_sys::ShadowRoot>()
        .ok()
        .and_then(|shadow| shadow.host().dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(host) = host {
        let style = host.style();
        for (property, value) in theme {
            let _ = style.set_property(property, value);
        }
    }
}

/// Starts fetching `clinic.json` (if a URL is given); the signal follows it, and its theme
/// is applied to the widget's element.
fn load_clinic(clinic_url: String, root: web_sys::HtmlElement) -> Signal<ClinicState> {
    let (clinic, set_clinic) = signal(if clinic_url.is_empty() {
        ClinicState::None
    } else {
        ClinicState::Loading
    });
    if !clinic_url.is_empty() {
        wasm_bindgen_futures::spawn_local(async move {
            set_clinic.set(match fetch_clinic(&clinic_url).await {
                Ok(config) => {
                    // For the clinic's IT: each entry that was left out, by its path.
                    for problem in &config.problems {
                        web_sys::console::warn_1(&problem.to_string().into());
                    }
                    apply_theme(&root, &config.theme);
                    ClinicState::Loaded(Box::new(config))
                }
                Err(err) => {
                    web_sys::console::warn_1(&err.to_string().into());
                    ClinicState::Failed(err)
                }
            });
        });
    }
    clinic.into()
}

async fn fetch_clinic(url: &str) -> Result<ClinicConfig, ClinicConfigError> {
    let fail = |what: &str| ClinicConfigError::Fetch(what.to_owned());
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| fail("network error"))?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| fail("not a response"))?;
    if !response.ok() {
        return Err(fail(&format!("HTTP {}", response.status())));
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(|_| fail("no body"))?)
        .await
        .map_err(|_| fail("body could not be read"))?
        .as_string()
        .ok_or_else(|| fail("body is not text"))?;
    ClinicConfig::parse(&text)
}
