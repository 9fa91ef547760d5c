//! # hearth — the patient's widget (Leptos, client-side rendered, WebAssembly)
//!
//! This crate is the glue and the UI; the logic lives in the crates under `crates/`
//! (`hearth-vault`, `hearth-nlu`, `hearth-sync`) and is tested natively there.
//!
//! How a page gets a widget: the clinic's page loads `hearth.js` (a small loader in
//! `public/`), which defines the `<hearth-widget>` element, attaches a shadow root so the
//! host page's CSS cannot reach the widget, links `hearth.css` inside it, loads this crate's
//! WebAssembly and calls [`mount`] with an element inside that shadow root.
//!
//! The parts:
//!
//! - [`consent`]: the informed-consent step's content and the patient's choice of support
//!   (AI-guided self-help, a human clinician, or both), with its versioned record.
//! - [`clinic`]: the clinic's configuration read from `clinic.json` (name, contact options,
//!   crisis contacts per locale, alert settings, the clinician's key), lenient where it must
//!   be: a wrong optional entry is left out and named.
//! - [`storage`]: the [`storage::KeyValueStore`] trait the app writes through, with an
//!   in-memory implementation for tests and `localStorage` in the browser. Before a vault
//!   exists only the consent choice — no free text, nothing about health — is kept there.
//! - [`crisis`]: the crisis lines the crisis button shows, on every screen, with no network.
//! - [`cssrs`]: the C-SSRS screener's questions, branching and triage (the crisis card
//!   offers it); the Stanley–Brown safety plan is a screen, sealed in the vault.
//! - [`nlu_protocol`], [`nlu_client`] and (in the browser) `nlu_worker`: on-device
//!   understanding — the crisis rules, encoder and heads of `hearth-nlu` in their own Web
//!   Worker, which answers with the rules from its first moment so safety never waits for
//!   the model.
//! - [`chat`]: which of our written messages the assistant shows, safety first.
//! - [`risk`]: the remembered risk state, the follow-up check, and the crisis alert a
//!   patient may choose to send; [`inbox`] posts sealed alerts and shares to the clinic's
//!   inbox, and lets the clinician console read it.
//! - [`sharing`]: "share with my clinician" — what a share holds, the record the patient
//!   keeps of it, and how the clinician console reads it.
//! - [`json`]: JSON text as the interface writes it (floats without serde_json's table).
//! - [`sorting`]: one stable sort shared by every caller (it keeps the `.wasm` small).
//! - [`components`]: the screens. [`components::App`] switches between them.
//!
//! Everything the assistant will say comes from content we wrote or clinicians configured,
//! and it always says it is software.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod chat;
pub mod checkin;
pub mod clinic;
pub mod components;
pub mod consent;
pub mod content;
pub mod crisis;
pub mod cssrs;
pub mod inbox;
pub mod json;
pub mod nlu_client;
pub mod nlu_protocol;
pub mod questionnaires;
pub mod risk;
pub mod sharing;
pub mod sorting;
pub mod storage;
pub mod trends;
pub mod vault_client;
pub mod vault_service;

#[cfg(target_arch = "wasm32")]
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub mod nlu_worker;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::{mount, mount_console};

/// Prepares the runtime when the WebAssembly module starts: panics are reported to the
/// browser console instead of failing silently.
pub fn start() {
    #[cfg(target_arch = "wasm32")]
    console_error_panic_hook::set_once();
}
