use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::consent::now_rfc3339;
use crate::vault_service::{RecordKind, Request, Response};

/// A journal entry as sealed in the vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Always `"journal"`; other entry types share the same record kind.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// What the patient wrote.
    pub text: String,
    /// When it was written (RFC 3339).
    pub created_at: String,
}

/// The journal: write an entry, read earlier ones. Entries are sealed in the vault worker
/// before they are stored; the page never writes them anywhere itself.
#[component]
pub fn Journal(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let entries = RwSignal::new(Vec::<JournalEntry>::new());
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let unreadable = RwSignal::new(0_usize);

    let load_state = state.clone();
    let load = move || {
        let state = load_state.clone();
        spawn_local(async move {
            let response = state
                .vault
                .call(Request::List {
                    kind: RecordKind::Entry,
                })
                .await;
            if let Response::Records {
                records,
                unreadable: damaged,
            } = &response
            {
                unreadable.set(*damaged);
                let mut list: Vec<JournalEntry> = records
                    .iter()
                    .filter_map(|r| serde_json::from_str::<JournalEntry>(&r.body).ok())
                    .filter(|e| e.entry_type == "journal")
                    .collect();
                list.sort_by(|a, b| b.created_at.cmp(&a.created_at));
                entries.set(list);
            }
            state.report(&response);
        });
    };
    load();

    let save_state = state.clone();
    let reload = load.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() || saving.get_untracked() {
            return;
        }
        let entry = JournalEntry {
            entry_type: "journal".into(),
            text,
            created_at: now_rfc3339(),
        };
        let Ok(body) = serde_json::to_string(&entry) else {
            return;
        };
        // The crisis layer reads every entry before anything else happens.
        save_state.check_text(&entry.text);
        saving.set(true);
        saved.set(false);
        let state = save_state.clone();
        let reload = reload.clone();
        spawn_local(async move {
            let response = state
                .vault
                .call(Request::Put {
                    kind: RecordKind::Entry,
                    id: None,
                    body,
                })
                .await;
            saving.set(false);
            state.report(&response);
            if matches!(response, Response::Saved(_)) {
                // The draft is cleared only once the entry is safely stored.
                draft.set(String::new());
                saved.set(true);
                reload();
            }
        });
    };

    view! {
        <section class="screen journal" aria-labelledby="hearth-journal-title">
            <ScreenHeading id="hearth-journal-title" text="Journal" />
            <p>"Only you can read this. It is encrypted on this device before it is saved."</p>
            <form on:submit=save>
                <label class="field">
                    <span>"New entry"</span>
                    <textarea rows="5" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                </label>
                <button type="submit" class="button-primary" disabled=move || saving.get() || draft.get().trim().is_empty()>
                    "Save entry"
                </button>
                <p class="status" role="status">{move || saved.get().then_some("Saved.")}</p>
            </form>
            <h3>"Earlier entries"</h3>
            {move || (unreadable.get() > 0).then(|| view! {
                <p class="notice" role="alert">
                    {format!(
                        "{} saved item(s) could not be opened: they are damaged or were not made by \
                         your vault. They were left as they are; everything else is safe.",
                        unreadable.get()
                    )}
                </p>
            })}
            <ul class="journal-entries">
                {move || {
                    let list = entries.get();
                    if list.is_empty() {
                        view! { <li class="empty">"No entries yet."</li> }.into_any()
                    } else {
                        list.into_iter()
                            .map(|e| view! {
                                <li class="journal-entry">
                                    <time datetime=e.created_at.clone()>{local_time(&e.created_at)}</time>
                                    <p>{e.text.clone()}</p>
                                </li>
                            })
                            .collect_view()
                            .into_any()
                    }
                }}
            </ul>
            <button type="button" class="button-secondary" on:click=move |_| state.go(Screen::Home)>
                "Back"
            </button>
        </section>
    }
}

/// An RFC 3339 time as the patient's browser writes dates and times.
fn local_time(rfc3339: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
        if !date.get_time().is_nan() {
            return String::from(
                date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED),
            );
        }
    }
    rfc3339.to_owned()
}
