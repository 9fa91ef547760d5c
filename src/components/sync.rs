//! Sync, as the patient meets it: opening a vault from another device, and the "Backup and
//! sync" card in settings. The vault worker does the work (hearth-sync); these screens only
//! choose the server and say plainly what happened.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::conflicts::ConflictChooser;
use super::state::{AppState, PatientSettings, Screen, SyncView};
use super::vault_screens::{NewPassphrase, Working};
use super::ScreenHeading;
use crate::vault_service::{Endpoint, JoinSecret, Request, Response};
use hearth_sync::{EndpointError, S3Config, WebDavFolder};

/// Which kind of storage a form is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Relay,
    WebDav,
    S3,
}

/// Where the clinic suggests keeping the encrypted copy (`storage` in `clinic.json`).
fn clinic_storage(state: &AppState) -> Option<Endpoint> {
    match state.clinic.get_untracked() {
        super::ClinicState::Loaded(config) => config.storage,
        _ => None,
    }
}

/// The fields of "where to keep the encrypted copy", for every kind at once (switching kinds
/// loses nothing typed).
#[derive(Clone, Copy)]
struct EndpointForm {
    kind: RwSignal<Kind>,
    relay_url: RwSignal<String>,
    dav_url: RwSignal<String>,
    dav_user: RwSignal<String>,
    dav_password: RwSignal<String>,
    s3_endpoint: RwSignal<String>,
    s3_region: RwSignal<String>,
    s3_bucket: RwSignal<String>,
    s3_prefix: RwSignal<String>,
    s3_key_id: RwSignal<String>,
    s3_secret: RwSignal<String>,
}

impl EndpointForm {
    /// The form showing `current`, or the widget's own relay at `origin`.
    fn new(current: Option<&Endpoint>, origin: &str) -> Self {
        let text = |value: &str| RwSignal::new(value.to_owned());
        let form = EndpointForm {
            kind: RwSignal::new(Kind::Relay),
            relay_url: text(origin),
            dav_url: text(""),
            dav_user: text(""),
            dav_password: text(""),
            s3_endpoint: text(""),
            s3_region: text(""),
            s3_bucket: text(""),
            s3_prefix: text(""),
            s3_key_id: text(""),
            s3_secret: text(""),
        };
        match current {
            Some(Endpoint::Relay { url }) => form.relay_url.set(url.clone()),
            Some(Endpoint::WebDav(folder)) => {
                form.kind.set(Kind::WebDav);
                form.dav_url.set(folder.url.clone());
                form.dav_user.set(folder.user.clone());
                form.dav_password.set(folder.password.clone());
            }
            Some(Endpoint::S3(s3)) => {
                form.kind.set(Kind::S3);
                form.s3_endpoint.set(s3.endpoint.clone());
                form.s3_region.set(s3.region.clone());
                form.s3_bucket.set(s3.bucket.clone());
                form.s3_prefix.set(s3.prefix.clone());
                form.s3_key_id.set(s3.access_key_id.clone());
                form.s3_secret.set(s3.secret_access_key.clone());
            }
            None => {}
        }
        form
    }

    /// The endpoint as entered, checked; or what is wrong with it, in plain words.
    fn endpoint(&self) -> Result<Endpoint, String> {
        let get = |signal: RwSignal<String>| signal.get_untracked();
        let entered = match self.kind.get_untracked() {
            Kind::Relay => Endpoint::Relay {
                url: get(self.relay_url),
            },
            Kind::WebDav => Endpoint::WebDav(WebDavFolder {
                url: get(self.dav_url),
                user: get(self.dav_user),
                password: get(self.dav_password),
            }),
            Kind::S3 => Endpoint::S3(S3Config {
                endpoint: get(self.s3_endpoint),
                region: get(self.s3_region),
                bucket: get(self.s3_bucket),
                prefix: get(self.s3_prefix),
                access_key_id: get(self.s3_key_id),
                secret_access_key: get(self.s3_secret),
            }),
        };
        entered.checked().map_err(|err| match err {
            EndpointError::Address(url) if url.contains('@') => "Leave the user name and \
                 password out of the address, and enter them in their own fields."
                .to_owned(),
            EndpointError::Address(_) => "The address must start with https:// (or \
                 http://localhost for a server on this computer)."
                .to_owned(),
            EndpointError::Bucket(_) => "Enter the bucket's name (without any /).".to_owned(),
            EndpointError::Missing(what) => format!("Enter the {what}."),
            other => other.to_string(),
        })
    }
}

/// Where the encrypted copy is kept, in words: "relay.clinic.example" and the like.
pub fn place(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Relay { url } | Endpoint::WebDav(WebDavFolder { url, .. }) => url.clone(),
        Endpoint::S3(s3) => format!("the bucket {} at {}", s3.bucket, s3.endpoint),
    }
}

/// One text field bound to `value`.
#[component]
fn TextField(
    /// The label.
    label: &'static str,
    /// The value.
    value: RwSignal<String>,
    /// The input's type.
    #[prop(default = "text")]
    kind: &'static str,
    /// The autocomplete hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>{label}</span>
            <input type=kind autocomplete=autocomplete spellcheck="false" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </label>
    }
}

/// The choice of storage and its fields.
#[component]
fn EndpointFields(
    /// The form.
    form: EndpointForm,
) -> impl IntoView {
    let option = move |kind: Kind, label: &'static str| {
        view! {
            <label class="agree">
                <input type="radio" name="hearth-storage-kind" prop:checked=move || form.kind.get() == kind on:change=move |_| form.kind.set(kind) />
                <span>{label}</span>
            </label>
        }
    };
    view! {
        <fieldset class="storage-kind">
            <legend>"Where to keep it"</legend>
            {option(Kind::Relay, "A Hearth server (your clinic's)")}
            {option(Kind::WebDav, "A WebDAV folder (Nextcloud, ownCloud, a home server)")}
            {option(Kind::S3, "S3-compatible storage (a bucket)")}
        </fieldset>
        {move || match form.kind.get() {
            Kind::Relay => view! {
                <TextField label="Server address" value=form.relay_url kind="url" autocomplete="url" />
            }.into_any(),
            Kind::WebDav => view! {
                <TextField label="Folder address" value=form.dav_url kind="url" autocomplete="url" />
                // Not "username"/"current-password": a password manager must never fill the
                // vault passphrase in here (it would go to the WebDAV server).
                <TextField label="User name" value=form.dav_user />
                <TextField label="Password or app password" value=form.dav_password kind="password" autocomplete="new-password" />
                <p class="hint">
                    "Hearth makes its own folder inside this one. The server must allow this page \
                     to reach it (ask whoever runs it about CORS)."
                </p>
            }.into_any(),
            Kind::S3 => view! {
                <TextField label="Service address" value=form.s3_endpoint kind="url" autocomplete="url" />
                <TextField label="Region" value=form.s3_region />
                <TextField label="Bucket" value=form.s3_bucket />
                <TextField label="Folder in the bucket (optional)" value=form.s3_prefix />
                <TextField label="Access key ID" value=form.s3_key_id />
                <TextField label="Secret access key" value=form.s3_secret kind="password" autocomplete="new-password" />
                <p class="hint">
                    "Use a key that can only read and write this bucket. The bucket's CORS rules \
                     must allow this page."
                </p>
            }.into_any(),
        }}
    }
}

/// Opens a vault kept on a Hearth server, on a device that has none: the server address,
/// the vault code and the passphrase (or the recovery words and a new passphrase).
#[component]
pub fn JoinVault(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let suggested = clinic_storage(&state);
    let form = EndpointForm::new(suggested.as_ref(), &state.widget_origin);
    let code = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let use_words = RwSignal::new(false);
    let words = RwSignal::new(String::new());
    let new_passphrase = RwSignal::new(String::new());
    let acceptable = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let fetching = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let submit_state = state.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || fetching.get_untracked() {
            return;
        }
        let endpoint = match form.endpoint() {
            Ok(endpoint) => endpoint,
            Err(why) => {
                problem.set(Some(why));
                return;
            }
        };
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
            let synced = state
                .vault
                .call(Request::Sync {
                    endpoint: endpoint.clone(),
                })
                .await;
            fetching.set(false);
            state.report(&synced);
            state.after_unlock().await;
            if state.settings.get_untracked().sync.is_none() {
                state.save_settings(PatientSettings {
                    sync: Some(endpoint),
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
                <EndpointFields form=form />
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
                    <NewPassphrase vault=state.vault.clone() value=new_passphrase acceptable=acceptable label="New passphrase" />
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
            "{} changed on two devices at once: nothing was lost. Choose the version to keep \
             below, or for a journal entry in your journal.",
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
    let current = state.settings.get_untracked().sync;
    let on = RwSignal::new(current.is_some());
    // The patient's own choice, or else where the clinic suggests (without sign-in details).
    let form = EndpointForm::new(
        current.as_ref().or(clinic_storage(&state).as_ref()),
        &state.widget_origin,
    );
    let problem = RwSignal::new(None::<String>);
    let save_state = state.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let sync = if on.get_untracked() {
            match form.endpoint() {
                Ok(endpoint) => Some(endpoint),
                Err(why) => {
                    problem.set(Some(why));
                    return;
                }
            }
        } else {
            None
        };
        problem.set(None);
        save_state.save_settings(PatientSettings {
            sync,
            ..save_state.settings.get_untracked()
        });
    };
    let sync_state = state.clone();
    let status = state.sync;
    let settings = state.settings;
    let enabled = move || settings.get().sync.is_some();
    let code = state.vault_code;
    view! {
        <section class="card sync-settings" aria-labelledby="hearth-sync-title">
            <h3 id="hearth-sync-title">"Backup and sync"</h3>
            <p>
                "Off unless you turn it on. When it is on, an encrypted copy of your vault is kept on \
                 a server, so you can use another device or replace a lost one. The server only \
                 ever holds locked data: it cannot read a word."
            </p>
            <form on:submit=save>
                <label class="agree">
                    <input type="checkbox" prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev)) />
                    <span>"Keep an encrypted copy on a server"</span>
                </label>
                <Show when=move || on.get()>
                    <EndpointFields form=form />
                </Show>
                <button type="submit" class="button-secondary">"Save sync setting"</button>
                {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            </form>
            <Show when=enabled>
                <p class="sync-status" role="status" data-runs=move || status.get().runs.to_string()>{move || describe(&status.get())}</p>
                <ConflictChooser state=sync_state.clone() />
                <button type="button" class="button-secondary" disabled=move || status.get().running on:click={
                    let state = sync_state.clone();
                    move |_| {
                        let state = state.clone();
                        spawn_local(async move { state.sync_now().await });
                    }
                }>"Sync now"</button>
                <p>
                    "To open this vault on another device you need the storage details above, your \
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
    fn the_form_shows_the_saved_choice_and_names_what_is_wrong() {
        let saved = Endpoint::S3(S3Config {
            endpoint: "https://s3.example".into(),
            region: "eu-west-1".into(),
            bucket: "backups".into(),
            prefix: "patients".into(),
            access_key_id: "AKID".into(),
            secret_access_key: "secret".into(),
        });
        let form = EndpointForm::new(Some(&saved), "https://clinic.example");
        assert_eq!(form.kind.get_untracked(), Kind::S3);
        assert_eq!(form.endpoint(), Ok(saved));
        form.s3_bucket.set("a/b".into());
        assert_eq!(
            form.endpoint(),
            Err("Enter the bucket's name (without any /).".to_owned())
        );
        form.kind.set(Kind::WebDav);
        form.dav_url.set("http://nas.local/dav".into());
        let refused = form.endpoint();
        assert!(
            refused
                .as_ref()
                .is_err_and(|why| why.starts_with("The address must start with https://")),
            "{refused:?}"
        );
        form.kind.set(Kind::Relay);
        assert_eq!(
            form.endpoint(),
            Ok(Endpoint::Relay {
                url: "https://clinic.example".into()
            }),
            "the widget's own relay is the default"
        );
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
