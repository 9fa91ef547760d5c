//! The clinician console (`/clinician/`): the clinician's key pair, kept sealed under their
//! passphrase in this browser; its public key to paste into `clinic.json`; and the clinic's
//! inbox on the relay, whose shares and alerts are opened here — in the vault worker, so the
//! page never holds the secret key.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::vault_screens::{NewPassphrase, Working};
use super::{explain, ClinicState};
use crate::inbox::{self, InboxError};
use crate::sharing::{read_item, when, OpenedItem};
use crate::storage::Store;
use crate::vault_client::Vault;
use crate::vault_service::{Request, Response};

/// Where the sealed key pair is kept in this browser (`localStorage`; it is ciphertext).
pub const SEALED_KEY: &str = "hearth.clinician.sealed_key";

/// What the console shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// No key pair in this browser yet.
    Create,
    /// Just made: the recovery words and the public key, once.
    Created {
        /// The 24 words.
        words: String,
    },
    /// A sealed key pair is here, locked.
    Locked,
    /// Passphrase forgotten: recovery words and a new passphrase.
    Recover,
    /// Open.
    Open,
}

/// One inbox item, opened or not.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    name: String,
    opened: Result<OpenedItem, String>,
}

/// Plain words for an inbox failure, for the clinician.
fn inbox_problem(err: &InboxError) -> String {
    match err {
        InboxError::Unauthorized => {
            "The relay did not accept this inbox token. Check it (it is the token the inbox \
             was registered with)."
                .to_owned()
        }
        InboxError::UnknownInbox => {
            "The relay has no inbox by that id. Register it first (the button below).".to_owned()
        }
        other => format!("{other}."),
    }
}

/// Opens every item in the inbox with the open key pair.
async fn open_inbox(
    vault: &Vault,
    relay: &str,
    id: &str,
    token: &str,
) -> Result<Vec<Item>, String> {
    use base64ct::Encoding;
    let listed = inbox::list(relay, id, token)
        .await
        .map_err(|e| inbox_problem(&e))?;
    let mut items = Vec::new();
    for entry in listed {
        // An item deleted meanwhile (or unreadable) is shown as such; the rest still open.
        let bytes = match inbox::read(relay, id, token, &entry.name).await {
            Ok(bytes) => bytes,
            Err(e) => {
                items.push(Item {
                    name: entry.name,
                    opened: Err(format!("This item could not be fetched: {e}.")),
                });
                continue;
            }
        };
        let response = vault
            .call(Request::OpenShare {
                share: base64ct::Base64UrlUnpadded::encode_string(&bytes),
            })
            .await;
        let opened = match response {
            Response::OpenedShare { topic, text } => {
                read_item(topic, &text).map_err(|e| e.to_string())
            }
            _ => Err(
                "This item could not be opened: it was changed after it was sealed, or \
                      it was sealed to another clinician's key. Nothing in it can be trusted; \
                      it was left in the inbox."
                    .to_owned(),
            ),
        };
        items.push(Item {
            name: entry.name,
            opened,
        });
    }
    // Newest first; items that could not be opened last.
    crate::sorting::sort_by(&mut items, |a, b| match (&a.opened, &b.opened) {
        (Ok(x), Ok(y)) => y.sent_at.cmp(&x.sent_at),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.name.cmp(&b.name),
    });
    Ok(items)
}

/// The console's root.
#[component]
pub fn ClinicianConsole(
    /// This browser's small store (the sealed key pair lives here).
    store: Store,
    /// The vault worker (it seals and opens; the page never holds the secret key).
    vault: Vault,
    /// The clinic's configuration (for the inbox id and relay, and to check the key).
    clinic: Signal<ClinicState>,
    /// The widget's own origin: the default relay.
    widget_origin: String,
) -> impl IntoView {
    let sealed = RwSignal::new(store.get(SEALED_KEY).ok().flatten());
    let stage = RwSignal::new(if sealed.get_untracked().is_some() {
        Stage::Locked
    } else {
        Stage::Create
    });
    let public_key = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let passphrase = RwSignal::new(String::new());
    let acceptable = RwSignal::new(false);

    let create = {
        let (vault, store) = (vault.clone(), store.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !acceptable.get_untracked() || busy.get_untracked() {
                return;
            }
            let (vault, store) = (vault.clone(), store.clone());
            let typed = passphrase.get_untracked();
            busy.set(true);
            spawn_local(async move {
                let response = vault
                    .call(Request::CreateClinicianKey { passphrase: typed })
                    .await;
                busy.set(false);
                match response {
                    Response::ClinicianKey {
                        public_key: key,
                        sealed: bytes,
                        recovery_words,
                    } => {
                        if store.set(SEALED_KEY, &bytes).is_err() {
                            problem.set(Some(
                                "This browser would not keep the key (storage is full or \
                                 blocked), so it was not created."
                                    .to_owned(),
                            ));
                            return;
                        }
                        passphrase.set(String::new());
                        problem.set(None);
                        sealed.set(Some(bytes));
                        public_key.set(Some(key));
                        stage.set(Stage::Created {
                            words: recovery_words.unwrap_or_default(),
                        });
                    }
                    Response::Failed(f) => problem.set(Some(explain(f.code).to_owned())),
                    _ => problem.set(Some("The key could not be made.".to_owned())),
                }
            });
        }
    };

    let unlock = {
        let vault = vault.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(bytes) = sealed.get_untracked() else {
                return;
            };
            if busy.get_untracked() {
                return;
            }
            let vault = vault.clone();
            let typed = passphrase.get_untracked();
            busy.set(true);
            spawn_local(async move {
                let response = vault
                    .call(Request::OpenClinicianKey {
                        sealed: bytes,
                        passphrase: typed,
                    })
                    .await;
                busy.set(false);
                match response {
                    Response::ClinicianKey {
                        public_key: key, ..
                    } => {
                        passphrase.set(String::new());
                        problem.set(None);
                        public_key.set(Some(key));
                        stage.set(Stage::Open);
                    }
                    Response::Failed(f) => problem.set(Some(explain(f.code).to_owned())),
                    _ => problem.set(Some("The key could not be opened.".to_owned())),
                }
            });
        }
    };

    let words = RwSignal::new(String::new());
    let recover = {
        let (vault, store) = (vault.clone(), store.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(bytes) = sealed.get_untracked() else {
                return;
            };
            if !acceptable.get_untracked() || busy.get_untracked() {
                return;
            }
            let (vault, store) = (vault.clone(), store.clone());
            let (typed_words, typed) = (words.get_untracked(), passphrase.get_untracked());
            busy.set(true);
            spawn_local(async move {
                let response = vault
                    .call(Request::RecoverClinicianKey {
                        sealed: bytes,
                        words: typed_words,
                        new_passphrase: typed,
                    })
                    .await;
                busy.set(false);
                match response {
                    Response::ClinicianKey {
                        public_key: key,
                        sealed: renewed,
                        ..
                    } => {
                        if store.set(SEALED_KEY, &renewed).is_err() {
                            problem.set(Some(
                                "This browser would not keep the key with its new passphrase \
                                 (storage is full or blocked); the old passphrase still applies."
                                    .to_owned(),
                            ));
                            return;
                        }
                        words.set(String::new());
                        passphrase.set(String::new());
                        problem.set(None);
                        sealed.set(Some(renewed));
                        public_key.set(Some(key));
                        stage.set(Stage::Open);
                    }
                    Response::Failed(f) => problem.set(Some(explain(f.code).to_owned())),
                    _ => problem.set(Some("The key could not be recovered.".to_owned())),
                }
            });
        }
    };

    let lock = {
        let vault = vault.clone();
        move |_| {
            let vault = vault.clone();
            spawn_local(async move {
                vault.call(Request::Lock).await;
            });
            public_key.set(None);
            stage.set(Stage::Locked);
        }
    };

    let inbox_view = {
        let vault = vault.clone();
        move || {
            view! {
                <Inbox vault=vault.clone() clinic=clinic widget_origin=widget_origin.clone() />
            }
        }
    };

    let key_mismatch = move || {
        let ClinicState::Loaded(config) = clinic.get() else {
            return None;
        };
        let ours = public_key.get()?;
        match config.clinician_key {
            Some(key) if key.to_base64url() == ours => None,
            Some(_) => Some("clinic.json names a different clinician key: patients' shares are sealed to that key, not this one. Paste this key into clinic.json."),
            None => Some("clinic.json has no clinician_key yet: patients cannot share until you paste this key there."),
        }
    };

    view! {
        <section class="screen console" aria-labelledby="hearth-console-title">
            <h2 id="hearth-console-title" tabindex="-1">"Clinician console"</h2>
            <p class="lead">
                "Shares and alerts from your patients arrive sealed to your clinician key. Only \
                 this key opens them — not Hearth, not the relay that carries them. The key \
                 stays in this browser, sealed under your passphrase."
            </p>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            {move || match stage.get() {
                Stage::Create => view! {
                    <form on:submit=create.clone()>
                        <h3>"Create your clinician key"</h3>
                        <p>"Choose a passphrase for this key: four or more unrelated words. You will also get recovery words."</p>
                        <NewPassphrase vault=vault.clone() value=passphrase acceptable=acceptable label="Passphrase" />
                        <button type="submit" class="button-primary" disabled=move || !acceptable.get() || busy.get()>"Create my key"</button>
                    </form>
                }.into_any(),
                Stage::Created { words } => view! {
                    <div class="card">
                        <h3>"Your recovery words"</h3>
                        <p>"Write these 24 words down and keep them somewhere safe. With them you can set a new passphrase if you forget this one. They are shown only now."</p>
                        <p class="recovery-words">{words}</p>
                        <button type="button" class="button-primary" on:click=move |_| stage.set(Stage::Open)>"I have written them down"</button>
                    </div>
                }.into_any(),
                Stage::Locked => view! {
                    <form on:submit=unlock.clone()>
                        <h3>"Open your clinician key"</h3>
                        <label class="field">
                            <span>"Passphrase"</span>
                            <input type="password" autocomplete="current-password" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
                        </label>
                        <button type="submit" class="button-primary" disabled=move || busy.get()>"Open"</button>
                        <button type="button" class="button-link" on:click=move |_| { problem.set(None); stage.set(Stage::Recover) }>"Forgot your passphrase?"</button>
                    </form>
                }.into_any(),
                Stage::Recover => view! {
                    <form on:submit=recover.clone()>
                        <h3>"Set a new passphrase with your recovery words"</h3>
                        <label class="field">
                            <span>"Recovery words"</span>
                            <textarea rows="3" autocomplete="off" prop:value=move || words.get() on:input=move |ev| words.set(event_target_value(&ev))></textarea>
                        </label>
                        <NewPassphrase vault=vault.clone() value=passphrase acceptable=acceptable label="New passphrase" />
                        <button type="submit" class="button-primary" disabled=move || !acceptable.get() || busy.get()>"Set new passphrase"</button>
                        <button type="button" class="button-secondary" on:click=move |_| stage.set(Stage::Locked)>"Back"</button>
                    </form>
                }.into_any(),
                Stage::Open => view! {
                    <section class="card" aria-labelledby="hearth-key-title">
                        <h3 id="hearth-key-title">"Your public key"</h3>
                        <p>"Give this to your clinic's IT to put in clinic.json. It is safe to share: it can only lock things for you."</p>
                        <label class="field">
                            <span>"Clinician public key"</span>
                            <input type="text" readonly class="public-key" prop:value=move || public_key.get().unwrap_or_default() />
                        </label>
                        <label class="field">
                            <span>"The line for clinic.json"</span>
                            <input type="text" readonly prop:value=move || format!("\"clinician_key\": \"{}\"", public_key.get().unwrap_or_default()) />
                        </label>
                        {move || key_mismatch().map(|m| view! { <p class="field-error" role="status">{m}</p> })}
                        <button type="button" class="button-secondary" on:click=lock.clone()>"Lock"</button>
                    </section>
                    {inbox_view.clone()}
                }.into_any(),
            }}
            <Show when=move || busy.get()>
                <Working label="Working on your key" />
            </Show>
        </section>
    }
}

/// The clinic inbox: register it, open it, read and delete items.
#[component]
fn Inbox(vault: Vault, clinic: Signal<ClinicState>, widget_origin: String) -> impl IntoView {
    let configured = clinic.with_untracked(|c| match c {
        ClinicState::Loaded(config) => config
            .alerts
            .as_ref()
            .map(|a| (a.inbox.clone(), a.relay.clone())),
        _ => None,
    });
    let inbox_id = RwSignal::new(configured.as_ref().map(|c| c.0.clone()).unwrap_or_default());
    let relay = RwSignal::new(configured.and_then(|c| c.1).unwrap_or(widget_origin));
    let token = RwSignal::new(String::new());
    let items = RwSignal::new(None::<Vec<Item>>);
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);

    let open = {
        let vault = vault.clone();
        move || {
            let vault = vault.clone();
            let (r, i, t) = (
                relay.get_untracked(),
                inbox_id.get_untracked(),
                token.get_untracked(),
            );
            busy.set(true);
            spawn_local(async move {
                let result = open_inbox(&vault, &r, &i, &t).await;
                busy.set(false);
                match result {
                    Ok(list) => {
                        status.set(Some(Ok(match list.len() {
                            0 => "The inbox is empty.".to_owned(),
                            1 => "1 item.".to_owned(),
                            n => format!("{n} items."),
                        })));
                        items.set(Some(list));
                    }
                    Err(why) => status.set(Some(Err(why))),
                }
            });
        }
    };
    let on_open = {
        let open = open.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if !busy.get_untracked() {
                open();
            }
        }
    };
    let register = move |_| {
        let (r, i, t) = (
            relay.get_untracked(),
            inbox_id.get_untracked(),
            token.get_untracked(),
        );
        spawn_local(async move {
            status.set(Some(match inbox::register(&r, &i, &t).await {
                Ok(()) => Ok("The inbox is registered with this token.".to_owned()),
                Err(e) => Err(inbox_problem(&e)),
            }));
        });
    };
    let delete = {
        let open = open.clone();
        move |name: String| {
            let open = open.clone();
            let (r, i, t) = (
                relay.get_untracked(),
                inbox_id.get_untracked(),
                token.get_untracked(),
            );
            spawn_local(async move {
                match inbox::delete(&r, &i, &t, &name).await {
                    Ok(()) => open(),
                    Err(e) => status.set(Some(Err(inbox_problem(&e)))),
                }
            });
        }
    };

    view! {
        <section class="card" aria-labelledby="hearth-inbox-title">
            <h3 id="hearth-inbox-title">"Clinic inbox"</h3>
            <form on:submit=on_open>
                <label class="field">
                    <span>"Relay address"</span>
                    <input type="url" prop:value=move || relay.get() on:input=move |ev| relay.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span>"Inbox id"</span>
                    <input type="text" prop:value=move || inbox_id.get() on:input=move |ev| inbox_id.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span>"Inbox token"</span>
                    <input type="password" autocomplete="off" prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button-primary" disabled=move || busy.get()>"Open inbox"</button>
                <button type="button" class="button-secondary" on:click=register>"Register this inbox"</button>
            </form>
            {move || status.get().map(|s| match s {
                Ok(text) => view! { <p class="status" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="field-error" role="alert">{text}</p> }.into_any(),
            })}
            <ul class="inbox-items">
                {move || items.get().unwrap_or_default().into_iter().map(|item| {
                    let delete = delete.clone();
                    let name = item.name.clone();
                    let body = match item.opened {
                        Ok(opened) => view! {
                            <h4 class="inbox-title">{opened.title}</h4>
                            <p class="inbox-meta">
                                {format!("Sent {}", when(&opened.sent_at))}
                                {opened.from.map(|f| format!(", signed “{f}”"))}
                                " (as the sender wrote it: anyone can post to an inbox, so confirm anything unexpected with the patient)"
                            </p>
                            {opened.sections.into_iter().map(|s| view! {
                                <h5>{s.heading}</h5>
                                {s.lines.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
                            }).collect_view()}
                        }.into_any(),
                        Err(why) => view! {
                            <p class="field-error inbox-refused" role="alert">{why}</p>
                        }.into_any(),
                    };
                    view! {
                        <li class="inbox-item">
                            {body}
                            <button type="button" class="button-secondary" on:click=move |_| delete(name.clone())>"Delete from the inbox"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
