use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::conflicts::version_list;
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

/// The longest journal entry, in characters (the crisis layer reads all of it).
pub const MAX_ENTRY_CHARS: usize = 100_000;

/// Why an entry can't be saved as it is.
fn entry_problem(text: &str) -> Option<&'static str> {
    if text.trim().is_empty() {
        Some("The entry is empty.")
    } else if text.chars().count() > MAX_ENTRY_CHARS {
        Some("That entry is too long to save in one piece (over 100,000 characters). Please split it into two.")
    } else {
        None
    }
}

/// The journal: write, search (on this device), edit and delete entries. Entries are
/// sealed in the vault worker before they are stored; the crisis layer reads every entry
/// and every edit; a deleted entry's every version is removed from the device.
#[component]
pub fn Journal(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let entries = RwSignal::new(Vec::<(String, JournalEntry)>::new());
    // Entries changed on two devices at once: id → every current version (head, text or
    // `None` if deleted there), the one shown first.
    let conflicts = RwSignal::new(Vec::<(String, Vec<(String, Option<String>)>)>::new());
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(None::<&'static str>);
    let problem = RwSignal::new(None::<&'static str>);
    let unreadable = RwSignal::new(0_usize);
    let search = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<(String, String)>);
    let confirming = RwSignal::new(None::<String>);
    // Whether the first list has come back: until then the list says it is opening rather
    // than "No entries yet", which would read as lost entries right after unlocking.
    let loaded = RwSignal::new(false);

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
                let mut list: Vec<(String, JournalEntry)> = records
                    .iter()
                    .filter_map(|r| {
                        serde_json::from_str::<JournalEntry>(&r.body)
                            .ok()
                            .map(|e| (r.id.clone(), e))
                    })
                    .filter(|(_, e)| e.entry_type == "journal")
                    .collect();
                crate::sorting::sort_by(&mut list, |a, b| b.1.created_at.cmp(&a.1.created_at));
                let text_of = |body: &str| {
                    serde_json::from_str::<JournalEntry>(body)
                        .ok()
                        .filter(|e| e.entry_type == "journal")
                        .map(|e| e.text)
                };
                conflicts.set(
                    records
                        .iter()
                        .filter(|r| !r.conflict.is_empty())
                        .filter_map(|r| {
                            let first = (r.head.clone(), Some(text_of(&r.body)?));
                            let others = r
                                .conflict
                                .iter()
                                .map(|a| (a.head.clone(), a.body.as_deref().and_then(text_of)));
                            Some((r.id.clone(), std::iter::once(first).chain(others).collect()))
                        })
                        .collect(),
                );
                entries.set(list);
            }
            loaded.set(true);
            state.report(&response);
        });
    };
    load();

    // Saves a new entry (`id` None) or a new version of one; clears the draft only once it
    // is safely stored.
    let store = {
        let state = state.clone();
        let load = load.clone();
        move |id: Option<String>, entry: JournalEntry, done: &'static str| {
            // The crisis layer reads every entry before anything else happens.
            state.check_text(&entry.text);
            saving.set(true);
            saved.set(None);
            let state = state.clone();
            let load = load.clone();
            spawn_local(async move {
                let stored = state.save_entry(id.clone(), &entry).await.is_some();
                saving.set(false);
                if stored {
                    if id.is_some() {
                        editing.set(None);
                    } else if draft.get_untracked() == entry.text {
                        // Only what was saved is cleared: words typed meanwhile stay.
                        draft.set(String::new());
                    }
                    saved.set(Some(done));
                    load();
                }
            });
        }
    };
    let create = store.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if saving.get_untracked() {
            return;
        }
        problem.set(entry_problem(&text));
        if problem.get_untracked().is_some() {
            return;
        }
        create(
            None,
            JournalEntry {
                entry_type: "journal".into(),
                text,
                created_at: now_rfc3339(),
            },
            "Saved.",
        );
    };
    let resolve_load = load.clone();
    let delete_state = state.clone();
    let delete = move |id: String| {
        let state = delete_state.clone();
        let load = load.clone();
        spawn_local(async move {
            let response = state.vault.call(Request::Delete { id }).await;
            state.report(&response);
            confirming.set(None);
            if matches!(response, Response::Deleted) {
                saved.set(Some("Deleted."));
                state.sync_soon();
                load();
            }
        });
    };

    let resolve_state = state.clone();
    let resolve = move |id: String, keep: String| {
        let state = resolve_state.clone();
        let load = resolve_load.clone();
        spawn_local(async move {
            let response = state
                .vault
                .call(Request::Resolve {
                    kind: RecordKind::Entry,
                    id,
                    keep,
                    body: None,
                })
                .await;
            state.report(&response);
            if matches!(response, Response::Saved(_) | Response::Deleted) {
                saved.set(Some(
                    "Your choice is saved, and your other devices will follow it.",
                ));
                state.sync_soon();
                load();
            }
        });
    };
    let list_view = move || {
        let query = lower(&search.get());
        let list: Vec<(String, JournalEntry)> = entries
            .get()
            .into_iter()
            .filter(|(_, e)| query.trim().is_empty() || lower(&e.text).contains(query.trim()))
            .collect();
        if list.is_empty() {
            if !loaded.get() {
                return view! { <li class="loading" aria-busy="true">"Opening your entries…"</li> }
                    .into_any();
            }
            let text = if entries.with(Vec::is_empty) {
                "No entries yet."
            } else {
                "No entries match your search."
            };
            return view! { <li class="empty">{text}</li> }.into_any();
        }
        list.into_iter()
            .map(|(id, e)| {
                let store = store.clone();
                let delete = delete.clone();
                let (edit_id, confirm_id, delete_id) = (id.clone(), id.clone(), id.clone());
                let conflict_id = id.clone();
                let entry = e.clone();
                let is_editing = {
                    let id = id.clone();
                    move || editing.get().is_some_and(|(i, _)| i == id)
                };
                let is_confirming = {
                    let id = id.clone();
                    move || confirming.get().as_deref() == Some(id.as_str())
                };
                view! {
                    <li class="journal-entry">
                        <time datetime=e.created_at.clone()>{local_time(&e.created_at)}</time>
                        <Show
                            when=is_editing.clone()
                            fallback={
                                let text = e.text.clone();
                                move || view! { <p>{text.clone()}</p> }
                            }
                        >
                            {
                                let store = store.clone();
                                let entry = entry.clone();
                                let id = id.clone();
                                view! {
                                    <form class="edit-entry" on:submit=move |ev: leptos::ev::SubmitEvent| {
                                        ev.prevent_default();
                                        let Some((_, text)) = editing.get_untracked() else { return };
                                        problem.set(entry_problem(&text));
                                        if problem.get_untracked().is_none() {
                                            let mut changed = entry.clone();
                                            changed.text = text;
                                            store(Some(id.clone()), changed, "Changes saved.");
                                        }
                                    }>
                                        <label class="field">
                                            <span>"Edit entry"</span>
                                            <textarea rows="5"
                                                prop:value=move || editing.get().map(|(_, t)| t).unwrap_or_default()
                                                on:input=move |ev| editing.update(|e| if let Some((_, t)) = e { *t = event_target_value(&ev) })
                                            ></textarea>
                                        </label>
                                        <button type="submit" class="button-primary" disabled=move || saving.get()>"Save changes"</button>
                                        <button type="button" class="button-secondary" on:click=move |_| editing.set(None)>"Cancel"</button>
                                    </form>
                                }
                            }
                        </Show>
                        {
                            let versions = conflicts
                                .get()
                                .into_iter()
                                .find(|(c, _)| *c == conflict_id)
                                .map(|(_, v)| v)
                                .unwrap_or_default();
                            let resolve = resolve.clone();
                            let id = conflict_id.clone();
                            (!versions.is_empty()).then(move || view! {
                                <div class="conflict" role="group" aria-label="Changed on two devices">
                                    <p>
                                        "This entry was changed on two devices at the same time. Nothing \
                                         was lost: choose the version to keep."
                                    </p>
                                    {version_list(
                                        versions.into_iter().map(|(head, text)| (head, text.map(|t| vec![t]))).collect(),
                                        move |head| resolve(id.clone(), head),
                                    )}
                                </div>
                            })
                        }
                        <div class="entry-actions">
                            <button type="button" class="button-secondary" on:click={
                                let text = e.text.clone();
                                move |_| editing.set(Some((edit_id.clone(), text.clone())))
                            }>"Edit"</button>
                            <button type="button" class="button-secondary" on:click=move |_| confirming.set(Some(confirm_id.clone()))>"Delete"</button>
                        </div>
                        <Show when=is_confirming>
                            {
                                let delete = delete.clone();
                                let id = delete_id.clone();
                                view! {
                                    <div class="confirm" role="alertdialog" aria-label="Delete this entry?">
                                        <p>"Delete this entry? It is removed from this device and can't be brought back."</p>
                                        <button type="button" class="button-crisis" on:click=move |_| delete(id.clone())>"Delete entry"</button>
                                        <button type="button" class="button-secondary" on:click=move |_| confirming.set(None)>"Keep it"</button>
                                    </div>
                                }
                            }
                        </Show>
                    </li>
                }
            })
            .collect_view()
            .into_any()
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
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
                <p class="status" role="status">{move || saved.get()}</p>
            </form>
            <h3>"Earlier entries"</h3>
            <label class="field search">
                <span>"Search your entries"</span>
                <input type="search" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
            </label>
            {move || (unreadable.get() > 0).then(|| view! {
                <p class="notice" role="alert">
                    {format!(
                        "{} saved item(s) could not be opened: they are damaged or were not made by \
                         your vault. They were left as they are; everything else is safe.",
                        unreadable.get()
                    )}
                </p>
            })}
            <ul class="journal-entries">{list_view}</ul>
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

/// `text` in lower case, for a search that ignores case in any language. In the browser this
/// is JavaScript's `toLowerCase` (the same Unicode case rules), so the `.wasm` does not carry
/// a copy of Rust's case tables for this one search box.
fn lower(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}
