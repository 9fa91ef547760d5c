//! Component tests of the widget, run in headless Chromium by `wasm-bindgen-test`
//! (`cargo test --target wasm32-unknown-unknown`; see the README's test command).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use hearth::components::{App, ClinicState};
use hearth::consent::{ConsentRecord, SupportChoice, CONSENT_KEY};
use hearth::nlu_client::Understanding;
use hearth::storage::{KeyValueStore, MemoryStore, Store};
use hearth::vault_client::Vault;
use hearth_vault::KdfParams;
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlButtonElement, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app, with an in-process vault, into a fresh element and returns that element.
fn mount(store: &MemoryStore) -> HtmlElement {
    let document = document();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let store = Store::new(store.clone());
    let vault = Vault::in_memory(KdfParams::MINIMUM);
    leptos::mount::mount_to(root.clone(), move || {
        view! { <App store=store vault=vault understanding=Understanding::unavailable("component test") clinic=Signal::derive(|| ClinicState::None) locale="en-GB" /> }
    })
    .forget();
    root
}

/// Waits (up to ten seconds) until the widget shows `text`.
async fn shows(root: &HtmlElement, text: &str) {
    for _ in 0..500 {
        if root.text_content().unwrap_or_default().contains(text) {
            return;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    panic!(
        "the widget never showed {text:?}: {}",
        root.text_content().unwrap_or_default()
    );
}

/// Types `value` into the `index`-th element matching `selector`.
fn type_into(root: &HtmlElement, selector: &str, index: u32, value: &str) {
    let input: HtmlInputElement = root
        .query_selector_all(selector)
        .unwrap()
        .item(index)
        .unwrap_or_else(|| panic!("no {selector} #{index}"))
        .unchecked_into();
    input.set_value(value);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
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
    shows(&root, "Before we start").await;
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
    shows(&root, "Lock your space with a passphrase").await;
    assert_eq!(
        find::<HtmlElement>(&root, ".chosen-path")
            .text_content()
            .unwrap(),
        "Both"
    );
    // Before the vault exists, only the choice is kept, in localStorage.
    let saved = ConsentRecord::load(&store).unwrap().unwrap();
    assert_eq!(saved.choice, SupportChoice::Both);
    assert!(store
        .get(CONSENT_KEY)
        .unwrap()
        .unwrap()
        .contains("\"both\""));
}

#[wasm_bindgen_test]
async fn creating_the_vault_shows_the_recovery_words_once_and_moves_consent_into_it() {
    let store = MemoryStore::default();
    ConsentRecord::new(SupportChoice::AiSelfHelp, "2026-11-27T09:00:00Z")
        .save(&store)
        .unwrap();
    let root = mount(&store);
    shows(&root, "Lock your space with a passphrase").await;
    let create = button(&root, "Create my vault");
    type_into(&root, "input[type=password]", 0, "short");
    shows(&root, "not strong enough yet").await;
    type_into(
        &root,
        "input[type=password]",
        0,
        "violet harbour lantern seventeen",
    );
    type_into(
        &root,
        "input[type=password]",
        1,
        "violet harbour lantern seventeen",
    );
    shows(&root, "Very strong — strong enough").await;
    tick().await;
    assert!(!create.disabled());
    create.click();
    shows(&root, "Your recovery words").await;
    let words: Vec<String> = {
        let items = root.query_selector_all(".recovery-words li").unwrap();
        (0..items.length())
            .map(|i| items.item(i).unwrap().text_content().unwrap())
            .collect()
    };
    assert_eq!(words.len(), 24);
    let cont = button(&root, "Continue");
    type_into(&root, "input[type=text]", 0, &words[3]);
    type_into(&root, "input[type=text]", 1, "wrong");
    find::<HtmlInputElement>(&root, "input[type=checkbox]").click();
    tick().await;
    assert!(cont.disabled(), "a wrong word is caught");
    type_into(&root, "input[type=text]", 1, &words[18].to_uppercase());
    tick().await;
    assert!(!cont.disabled());
    cont.click();
    shows(&root, "Welcome").await;
    assert_eq!(
        find::<HtmlElement>(&root, ".chosen-path")
            .text_content()
            .unwrap(),
        "AI-guided self-help"
    );
    assert_eq!(
        store.get(CONSENT_KEY).unwrap(),
        None,
        "consent moved into the vault"
    );
    let shown = root.query_selector(".recovery-words").unwrap();
    assert!(shown.is_none(), "the words are shown only once");
}

#[wasm_bindgen_test]
async fn the_crisis_button_works_before_consent_and_orders_lines_by_locale() {
    let store = MemoryStore::default();
    let root = mount(&store);
    shows(&root, "Before we start").await;
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
