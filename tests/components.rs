//! Component tests of the widget, run in headless Chromium by `wasm-bindgen-test`
//! (`cargo test --target wasm32-unknown-unknown`; see the README's test command).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use hearth::components::{App, ClinicState};
use hearth::consent::{ConsentRecord, SupportChoice, CONSENT_KEY};
use hearth::storage::{KeyValueStore, MemoryStore, Store};
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app into a fresh element and returns that element.
fn mount(store: &MemoryStore) -> HtmlElement {
    let document = document();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let store = Store::new(store.clone());
    leptos::mount::mount_to(root.clone(), move || {
        view! { <App store=store clinic=Signal::derive(|| ClinicState::None) locale="en-GB" /> }
    })
    .forget();
    root
}

fn find<T: JsCast>(root: &HtmlElement, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("nothing matches {selector}"))
        .unchecked_into()
}

fn button(root: &HtmlElement, text: &str) -> HtmlButtonElement {
    let buttons = root.query_selector_all("button").unwrap();
    (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .map(|b| b.unchecked_into::<HtmlButtonElement>())
        .find(|b| b.text_content().unwrap_or_default().trim() == text)
        .unwrap_or_else(|| panic!("no button {text:?}"))
}

#[wasm_bindgen_test]
async fn consent_needs_understanding_and_a_choice_then_is_saved() {
    let store = MemoryStore::default();
    let root = mount(&store);
    tick().await;
    let text = root.text_content().unwrap();
    assert!(text.contains("Before we start"), "{text}");
    assert!(text.contains("software, not a person"));

    let continue_button = button(&root, "Continue");
    assert!(continue_button.disabled(), "nothing chosen yet");

    find::<HtmlInputElement>(&root, "input[value=both]").click();
    tick().await;
    assert!(continue_button.disabled(), "not yet agreed");
    find::<HtmlInputElement>(&root, "input[type=checkbox]").click();
    tick().await;
    assert!(!continue_button.disabled());

    continue_button.click();
    tick().await;
    let text = root.text_content().unwrap();
    assert!(text.contains("Welcome"), "{text}");
    assert_eq!(
        find::<HtmlElement>(&root, ".chosen-path")
            .text_content()
            .unwrap(),
        "Both"
    );
    let saved = ConsentRecord::load(&store).unwrap().unwrap();
    assert_eq!(saved.choice, SupportChoice::Both);
    assert!(store
        .get(CONSENT_KEY)
        .unwrap()
        .unwrap()
        .contains("\"both\""));
}

#[wasm_bindgen_test]
async fn a_kept_choice_opens_home_and_can_be_changed_in_settings() {
    let store = MemoryStore::default();
    ConsentRecord::new(SupportChoice::AiSelfHelp, "2026-11-27T09:00:00Z")
        .save(&store)
        .unwrap();
    let root = mount(&store);
    tick().await;
    assert_eq!(
        find::<HtmlElement>(&root, ".chosen-path")
            .text_content()
            .unwrap(),
        "AI-guided self-help"
    );

    button(&root, "Settings").click();
    tick().await;
    find::<HtmlInputElement>(&root, "input[value=human_clinician]").click();
    button(&root, "Save choice").click();
    tick().await;
    assert!(root
        .text_content()
        .unwrap()
        .contains("Saved. You chose: A human clinician."));
    let saved = ConsentRecord::load(&store).unwrap().unwrap();
    assert_eq!(saved.choice, SupportChoice::HumanClinician);
    assert!(saved.changed_at.is_some());

    button(&root, "Withdraw consent").click();
    tick().await;
    assert!(root.text_content().unwrap().contains("Before we start"));
    assert_eq!(ConsentRecord::load(&store).unwrap(), None);
}

#[wasm_bindgen_test]
async fn the_crisis_button_works_before_consent_and_orders_lines_by_locale() {
    let store = MemoryStore::default();
    let root = mount(&store);
    tick().await;
    button(&root, "Crisis help").click();
    tick().await;
    let first_region = find::<HtmlElement>(&root, ".crisis-line h3")
        .text_content()
        .unwrap();
    assert_eq!(first_region, "United Kingdom");
    let call = find::<HtmlElement>(&root, ".crisis-line a.call");
    assert_eq!(call.get_attribute("href").unwrap(), "tel:116123");
    button(&root, "Close").click();
    tick().await;
    assert!(root.query_selector(".crisis-panel").unwrap().is_none());
}
