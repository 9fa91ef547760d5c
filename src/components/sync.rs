//! Sync, as the patient meets it: opening a vault from another device, and the "Backup and
//! sync" card in settings. The vault worker does the work (hearth-sync); these screens only
//! choose the server and say plainly what happened.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{AppState, PatientSettings, Screen, SyncView};
use super::vault_screens::{NewPassphrase, Working};
use super::ScreenHeading;
use crate::vault_service::{Endpoint, JoinSecret, Request, Response};

/// Whether `url` is an address Hearth will send ciphertext to: `https://`, or plain
/// `http://` only to this computer (a local relay).
pub fn acceptable_server(url: &str) -> bool {
    let Some((scheme, rest)) = url.trim().split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    !name.is_empty()
        && match scheme {
            "https" => true,
            "http" => matches!(name, "localhost" | "127.0.0.1" | "[::1]"),
            _ => false,
        }
}

/// Opens a vault kept on a Hearth server, on a device that has none: the server address,
/// the vault code and the passphrase (or the recovery words and a new passphrase).
#[component]
pub fn JoinVault(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let server = RwSignal::new(state.widget_origin.clone());
    let code = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let use_words = RwSignal::new(false);
    let words = RwSignal::new(String::new());
    let new_passphrase = RwSignal::new(String::new());
    let acceptable = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let fetching = RwSignal::new(false);
    let problem = RwSignal::new(None::<&'static str>);
    let submit_state = state.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || fetching.get_untracked() {
            return;
        }
        let url = server
            .get_untracked()
            .trim()
            .trim_end_matches('/')
            .to_owned();
        if !acceptable_server(&url) {
            problem.set(Some(
                "The server address must start with https:// (or http://localhost for a server on this computer).",
            ));
            return;
        }
        problem.set(None);
        let secret = if use_words.get_untracked() {
            JoinSecret::Recovery {
                recovery_words: words.get_untracked(),
                new_passphrase: new_passphrase.get_untracked(),
            }
        } else {
            JoinSecret::Passphrase {
                passphrase: passphrase.get_untracked(),
            }
        };
        let endpoint = Endpoint::Relay { url: url.clone() };
        let request = Request::Join {
            endpoint: endpoint.clone(),
            vault_code: code.get_untracked().trim().to_owned(),
            secret,
        };
        let state = submit_state.clone();
        spawn_local(async move {
            let Response::Unlocked { vault_code } = state.call_busy(busy, request).await else {
                return;
            };
            passphrase.set(String::new());
            words.set(String::new());
            state.vault_code.set(Some(vault_code));
            state.unlocked.set(true);
            // Bring everything down before the vault's settings and consent are read.
            fetching.set(true);
            let synced = state.vault.call(Request::Sync { endpoint }).await;
            fetching.set(false);
            state.report(&synced);
            state.after_unlock().await;
            if state.settings.get_untracked().sync_url.is_none() {
                state.save_settings(PatientSettings {
                    sync_url: Some(url),
                    ..state.settings.get_untracked()
                });
            }
        });
    };
    let back_state = state.clone();
    view! {
        <section class="screen join-vault" aria-labelledby="hearth-join-title">
            <ScreenHeading id="hearth-join-title" text="Open your vault from another device" />
            <p>
                "If you turned on \"Backup and sync\" on your other device, this device can open the \
                 same vault. Your entries come down encrypted and are opened here, with your passphrase."
            </p>
            <form on:submit=submit>
                <label class="field">
                    <span>"Server address"</span>
                    <input type="url" autocomplete="url" spellcheck="false" prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span>"Vault code"</span>
                    <input type="text" autocomplete="off" spellcheck="false" prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
                </label>
                <Show
                    when=move || use_words.get()
                    fallback=move || view! {
                        <label class="field">
                            <span>"Passphrase"</span>
                            <input type="password" autocomplete="current-password" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
                        </label>
                    }
                >
                    <label class="field">
                        <span>"Your 24 recovery words, separated by spaces"</span>
                        <textarea rows="4" autocomplete="off" spellcheck="false" prop:value=move || words.get() on:input=move |ev| words.set(event_target_value(&ev))></textarea>
                    </label>
                    <NewPassphrase state=state.clone() value=new_passphrase acceptable=acceptable label="New passphrase" />
                </Show>
                <button type="submit" class="button-primary" disabled=move || {
                    busy.get() || fetching.get() || code.get().trim().is_empty()
                        || if use_words.get() { !acceptable.get() || words.get().trim().is_empty() } else { passphrase.get().is_empty() }
                }>
                    "Open my vault"
                </button>
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            </form>
            <Show when=move || busy.get()>
                <Working label="Opening your vault" />
            </Show>
            <Show when=move || fetching.get()>
                <p role="status">"Bringing your entries to this device…"</p>
            </Show>
            <p>
                <button type="button" class="button-link" on:click=move |_| use_words.update(|w| *w = !*w)>
                    {move || if use_words.get() { "Use my passphrase instead" } else { "Forgot the passphrase? Use your recovery words" }}
                </button>
            </p>
            <button type="button" class="button-secondary" on:click=move |_| back_state.go(Screen::CreateVault)>
                "Back"
            </button>
        </section>
    }
}

/// "Last synced …, N waiting" and the rest, in plain words.
fn describe(view: &SyncView) -> String {
    if view.running {
        return "Syncing…".to_owned();
    }
    let mut parts = Vec::new();
    if let Some(problem) = &view.problem {
        parts.push(problem.clone());
    }
    match view.last_synced_ms {
        Some(ms) => parts.push(format!("Last synced {}.", local_time(ms))),
        None => parts.push("Not synced yet.".to_owned()),
    }
    parts.push(match view.pending {
        0 => "Nothing is waiting to be sent.".to_owned(),
        1 => "1 change is waiting to be sent.".to_owned(),
        n => format!("{n} changes are waiting to be sent."),
    });
    if view.downloaded > 0 {
        parts.push(format!(
            "{} came from your other devices.",
            plural(view.downloaded, "change")
        ));
    }
    if view.conflicts > 0 {
        parts.push(format!(
            "{} changed on two devices at once: nothing was lost. Your journal shows both \
             versions of an entry so you can choose.",
            if view.conflicts == 1 {
                "1 item was".to_owned()
            } else {
                format!("{} items were", view.conflicts)
            }
        ));
    }
    if view.refused > 0 {
        parts.push(format!(
            "{} on the server could not be opened with your key (damaged or not yours) and \
             were left out.",
            plural(view.refused, "item")
        ));
    }
    parts.join(" ")
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn local_time(ms: u64) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        String::from(date.to_locale_time_string("default"))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        format!("at {ms}")
    }
}

/// The "Backup and sync" card in settings: off by default; on, it keeps an encrypted copy of
/// the vault on a Hearth server so the patient can use another device or replace a lost one.
#[component]
pub fn SyncSettings(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let current = state.settings.get_untracked().sync_url;
    let on = RwSignal::new(current.is_some());
    let server = RwSignal::new(current.unwrap_or_else(|| state.widget_origin.clone()));
    let problem = RwSignal::new(None::<&'static str>);
    let save_state = state.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = server
            .get_untracked()
            .trim()
            .trim_end_matches('/')
            .to_owned();
        let sync_url = if on.get_untracked() {
            if !acceptable_server(&url) {
                problem.set(Some(
                    "The server address must start with https:// (or http://localhost for a server on this computer).",
                ));
                return;
            }
            Some(url)
        } else {
            None
        };
        problem.set(None);
        save_state.save_settings(PatientSettings {
            sync_url,
            ..save_state.settings.get_untracked()
        });
    };
    let sync_state = state.clone();
    let status = state.sync;
    let settings = state.settings;
    let enabled = move || settings.get().sync_url.is_some();
    let code = state.vault_code;
    view! {
        <section class="card sync-settings" aria-labelledby="hearth-sync-title">
            <h3 id="hearth-sync-title">"Backup and sync"</h3>
            <p>
                "Off unless you turn it on. When it is on, an encrypted copy of your vault is kept on \
                 a Hearth server, so you can use another device or replace a lost one. The server \
                 only ever holds locked data: it cannot read a word."
            </p>
            <form on:submit=save>
                <label class="agree">
                    <input type="checkbox" prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev)) />
                    <span>"Keep an encrypted copy on a server"</span>
                </label>
                <label class="field">
                    <span>"Server address"</span>
                    <input type="url" spellcheck="false" prop:value=move || server.get() on:input=move |ev| server.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button-secondary">"Save sync setting"</button>
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            </form>
            <Show when=enabled>
                <p class="sync-status" role="status" data-runs=move || status.get().runs.to_string()>{move || describe(&status.get())}</p>
                <button type="button" class="button-secondary" disabled=move || status.get().running on:click={
                    let state = sync_state.clone();
                    move |_| {
                        let state = state.clone();
                        spawn_local(async move { state.sync_now().await });
                    }
                }>"Sync now"</button>
                <p>
                    "To open this vault on another device you need the server address above, your \
                     passphrase, and your vault code: "
                    <strong class="vault-code">{move || code.get().unwrap_or_default()}</strong>
                </p>
            </Show>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_this_computer_is_accepted() {
        assert!(acceptable_server("https://relay.clinic.example"));
        assert!(acceptable_server("http://127.0.0.1:8080"));
        assert!(acceptable_server("http://localhost:3000/"));
        assert!(!acceptable_server("http://relay.clinic.example"));
        assert!(!acceptable_server("http://127.0.0.1.evil.example"));
        assert!(!acceptable_server("ftp://relay.clinic.example"));
        assert!(!acceptable_server("relay.clinic.example"));
        assert!(!acceptable_server("https://"));
    }

    #[test]
    fn the_status_says_what_waits_and_what_went_wrong() {
        let view = SyncView {
            pending: 3,
            conflicts: 1,
            problem: Some("Offline.".into()),
            ..SyncView::default()
        };
        let text = describe(&view);
        assert!(text.starts_with("Offline."));
        assert!(text.contains("Not synced yet."));
        assert!(text.contains("3 changes are waiting"));
        assert!(text.contains("1 item was changed on two devices"));
    }
}
