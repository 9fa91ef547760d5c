//! Creating, unlocking and recovering the vault, and the passphrase field they share.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::vault_service::{Request, Response, Strength};

/// What a slow vault operation shows while the worker derives the key.
#[component]
pub fn Working(
    /// What is happening, e.g. "Unlocking your vault".
    label: &'static str,
) -> impl IntoView {
    view! {
        <div class="working" role="status">
            <progress aria-label=label></progress>
            <p>
                {label} "… This takes a few seconds on purpose: it makes your passphrase very hard \
                 to guess for anyone who gets a copy of your vault."
            </p>
        </div>
    }
}

/// A new-passphrase field with live strength feedback from the vault worker.
#[component]
pub fn NewPassphrase(
    /// The vault worker, which rates passphrases.
    vault: crate::vault_client::Vault,
    /// The passphrase typed so far.
    value: RwSignal<String>,
    /// Whether the typed passphrase is strong enough.
    acceptable: RwSignal<bool>,
    /// The field's label.
    label: &'static str,
) -> impl IntoView {
    let strength = RwSignal::new(None::<Strength>);
    let confirm = RwSignal::new(String::new());
    let on_input = move |ev| {
        let typed = event_target_value(&ev);
        value.set(typed.clone());
        let vault = vault.clone();
        spawn_local(async move {
            if let Response::Strength(rated) = vault
                .call(Request::Strength {
                    passphrase: typed.clone(),
                })
                .await
            {
                // Answers can arrive out of order; keep only the one for what is typed now.
                if value.get_untracked() == typed {
                    strength.set(Some(rated));
                }
            }
        });
    };
    Effect::new(move |_| {
        let strong = strength.get().is_some_and(|s| s.acceptable);
        acceptable.set(strong && !value.get().is_empty() && confirm.get() == value.get());
    });
    let words = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];
    view! {
        <div class="passphrase">
            <label class="field">
                <span>{label}</span>
                <input type="password" autocomplete="new-password" prop:value=move || value.get() on:input=on_input />
            </label>
            <div class="strength" aria-live="polite">
                {move || strength.get().map(|s| {
                    let word = words[usize::from(s.score.min(4))];
                    view! {
                        <meter min="0" max="4" low="2" high="3" optimum="4" value=s.score.to_string() aria-label="Passphrase strength"></meter>
                        <span class="strength-word">{word} {if s.acceptable { " — strong enough" } else { " — not strong enough yet" }}</span>
                        <ul class="strength-advice">{s.feedback.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                    }
                })}
            </div>
            <label class="field">
                <span>"Type it again"</span>
                <input type="password" autocomplete="new-password" prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev)) />
            </label>
            {move || (!confirm.get().is_empty() && confirm.get() != value.get())
                .then(|| view! { <p class="field-error">"The two passphrases don't match yet."</p> })}
        </div>
    }
}

/// Create the vault: choose a passphrase; the key is derived in the worker.
#[component]
pub fn CreateVault(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let passphrase = RwSignal::new(String::new());
    let acceptable = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit_state = state.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !acceptable.get_untracked() || busy.get_untracked() {
            return;
        }
        let state = submit_state.clone();
        let typed = passphrase.get_untracked();
        spawn_local(async move {
            let request = Request::Create { passphrase: typed };
            if let Response::Created {
                recovery_words,
                vault_code,
            } = state.call_busy(busy, request).await
            {
                passphrase.set(String::new());
                state.unlocked.set(true);
                state.vault_code.set(Some(vault_code.clone()));
                state.go(Screen::RecoveryKey {
                    words: recovery_words,
                    code: vault_code,
                });
            }
        });
    };
    view! {
        <section class="screen create-vault" aria-labelledby="hearth-create-title">
            <ScreenHeading id="hearth-create-title" text="Lock your space with a passphrase" />
            <p class="lead">
                "Everything you write in Hearth is encrypted on this device with a key only your \
                 passphrase opens. Nobody else can read it — not your clinic, not us."
            </p>
            <p>"A good passphrase is four or more unrelated words you can remember. Hearth can't reset it, so you'll also get recovery words."</p>
            <form on:submit=submit>
                <NewPassphrase vault=state.vault.clone() value=passphrase acceptable=acceptable label="Passphrase" />
                <button type="submit" class="button-primary" disabled=move || !acceptable.get() || busy.get()>
                    "Create my vault"
                </button>
            </form>
            <Show when=move || busy.get()>
                <Working label="Creating your vault" />
            </Show>
            <p>
                <button type="button" class="button-link" on:click=move |_| state.go(Screen::JoinVault)>
                    "Already use Hearth on another device? Open that vault here"
                </button>
            </p>
        </section>
    }
}

/// The recovery words and vault code, shown once; the patient confirms two of the words.
#[component]
pub fn RecoveryKeyShown(
    /// Shared state.
    state: AppState,
    /// The 24 recovery words.
    words: String,
    /// The vault code.
    code: String,
) -> impl IntoView {
    let list: Vec<String> = words.split_whitespace().map(str::to_owned).collect();
    // Ask for two words far apart, so a patient who wrote down only half is caught.
    let (first, second) = (4_usize, 19_usize);
    let expected = (
        list.get(first - 1).cloned().unwrap_or_default(),
        list.get(second - 1).cloned().unwrap_or_default(),
    );
    let typed_first = RwSignal::new(String::new());
    let typed_second = RwSignal::new(String::new());
    let wrote_down = RwSignal::new(false);
    let matches = move || {
        typed_first.get().trim().eq_ignore_ascii_case(&expected.0)
            && typed_second.get().trim().eq_ignore_ascii_case(&expected.1)
    };
    let done_state = state.clone();
    let done = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let state = done_state.clone();
        spawn_local(async move { state.after_unlock().await });
    };
    view! {
        <section class="screen recovery-key" aria-labelledby="hearth-recovery-title">
            <ScreenHeading id="hearth-recovery-title" text="Your recovery words" />
            <p class="lead">
                "If you ever forget your passphrase, these 24 words are the only way back in. \
                 Write them on paper and keep them somewhere safe. They are shown only this once."
            </p>
            <ol class="recovery-words" aria-label="Recovery words">
                {list.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
            </ol>
            <p>
                "Your vault code (a second device needs it, with your passphrase): "
                <strong class="vault-code">{code}</strong>
            </p>
            <form on:submit=done>
                <label class="field">
                    <span>{format!("Word number {first}")}</span>
                    <input type="text" autocomplete="off" spellcheck="false" on:input=move |ev| typed_first.set(event_target_value(&ev)) />
                </label>
                <label class="field">
                    <span>{format!("Word number {second}")}</span>
                    <input type="text" autocomplete="off" spellcheck="false" on:input=move |ev| typed_second.set(event_target_value(&ev)) />
                </label>
                <label class="agree">
                    <input type="checkbox" on:change=move |ev| wrote_down.set(event_target_checked(&ev)) />
                    <span>"I have written down my recovery words and my vault code."</span>
                </label>
                <button type="submit" class="button-primary" disabled=move || !(wrote_down.get() && matches())>
                    "Continue"
                </button>
            </form>
        </section>
    }
}

/// Unlock with the passphrase.
#[component]
pub fn Unlock(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let passphrase = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit_state = state.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let state = submit_state.clone();
        let request = Request::Unlock {
            passphrase: passphrase.get_untracked(),
        };
        spawn_local(async move {
            if state.open_with(busy, request).await {
                passphrase.set(String::new());
            }
        });
    };
    let recover_state = state.clone();
    view! {
        <section class="screen unlock" aria-labelledby="hearth-unlock-title">
            <ScreenHeading id="hearth-unlock-title" text="Welcome back" />
            <p>"Your space is locked. Enter your passphrase to open it."</p>
            <form on:submit=submit>
                <label class="field">
                    <span>"Passphrase"</span>
                    <input type="password" autocomplete="current-password" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
                </label>
                <button type="submit" class="button-primary" disabled=move || busy.get() || passphrase.get().is_empty()>
                    "Unlock"
                </button>
            </form>
            <Show when=move || busy.get()>
                <Working label="Unlocking your vault" />
            </Show>
            <p>
                <button type="button" class="button-link" on:click=move |_| recover_state.go(Screen::Recover)>
                    "Forgot your passphrase? Use your recovery words"
                </button>
            </p>
        </section>
    }
}

/// Unlock with the recovery words and choose a new passphrase.
#[component]
pub fn Recover(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let words = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let acceptable = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit_state = state.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !acceptable.get_untracked() {
            return;
        }
        let state = submit_state.clone();
        let request = Request::Recover {
            recovery_words: words.get_untracked(),
            new_passphrase: passphrase.get_untracked(),
        };
        spawn_local(async move {
            if state.open_with(busy, request).await {
                words.set(String::new());
            }
        });
    };
    let back_state = state.clone();
    view! {
        <section class="screen recover" aria-labelledby="hearth-recover-title">
            <ScreenHeading id="hearth-recover-title" text="Recover with your recovery words" />
            <form on:submit=submit>
                <label class="field">
                    <span>"Your 24 recovery words, separated by spaces"</span>
                    <textarea rows="4" autocomplete="off" spellcheck="false" prop:value=move || words.get() on:input=move |ev| words.set(event_target_value(&ev))></textarea>
                </label>
                <NewPassphrase vault=state.vault.clone() value=passphrase acceptable=acceptable label="New passphrase" />
                <button type="submit" class="button-primary" disabled=move || busy.get() || !acceptable.get() || words.get().trim().is_empty()>
                    "Recover and set the new passphrase"
                </button>
            </form>
            <Show when=move || busy.get()>
                <Working label="Recovering your vault" />
            </Show>
            <button type="button" class="button-link" on:click=move |_| back_state.go(Screen::Unlock)>
                "Back to unlock"
            </button>
        </section>
    }
}

/// Change the passphrase (in settings).
#[component]
pub fn ChangePassphrase(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let passphrase = RwSignal::new(String::new());
    let acceptable = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let submit_state = state.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !acceptable.get_untracked() {
            return;
        }
        done.set(false);
        let state = submit_state.clone();
        let request = Request::ChangePassphrase {
            current: current.get_untracked(),
            new_passphrase: passphrase.get_untracked(),
        };
        spawn_local(async move {
            let response = state.call_busy(busy, request).await;
            if matches!(response, Response::Unlocked { .. }) {
                current.set(String::new());
                done.set(true);
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="hearth-change-title">
            <h3 id="hearth-change-title">"Change your passphrase"</h3>
            <form on:submit=submit>
                <label class="field">
                    <span>"Current passphrase"</span>
                    <input type="password" autocomplete="current-password" prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev)) />
                </label>
                <NewPassphrase vault=state.vault.clone() value=passphrase acceptable=acceptable label="New passphrase" />
                <button type="submit" class="button-primary" disabled=move || busy.get() || !acceptable.get() || current.get().is_empty()>
                    "Change passphrase"
                </button>
            </form>
            <Show when=move || busy.get()>
                <Working label="Changing your passphrase" />
            </Show>
            <p class="status" role="status">
                {move || done.get().then_some("Your passphrase was changed. The old one no longer opens your vault.")}
            </p>
        </section>
    }
}

/// Erase everything on this device (in settings). Needs the passphrase and a confirmation.
#[component]
pub fn EraseVault(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let sync_settings = state.settings;
    let passphrase = RwSignal::new(String::new());
    let understood = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !understood.get_untracked() {
            return;
        }
        let state = state.clone();
        let endpoint = state.sync_endpoint();
        let done = if endpoint.is_some() {
            "Everything Hearth kept on this device and on the sync server was erased."
        } else {
            "Everything Hearth kept on this device was erased."
        };
        let request = Request::Erase {
            passphrase: passphrase.get_untracked(),
            endpoint,
        };
        spawn_local(async move {
            if state.call_busy(busy, request).await == Response::Erased {
                passphrase.set(String::new());
                state.forget_everything();
                state.notice.set(Some(done.to_owned()));
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="hearth-erase-title">
            <h3 id="hearth-erase-title">"Erase everything on this device"</h3>
            <p>
                "This deletes your vault key, your journal, your choices and settings from this \
                 device. It cannot be undone, and your recovery words will not bring it back."
            </p>
            {
                move || sync_settings.get().sync.map(|endpoint| view! {
                    <p>
                        "Backup and sync is on: the encrypted copy on " <strong>{super::sync::place(&endpoint)}</strong>
                        " is erased first. If that server can't be reached, nothing is erased, so \
                         you can try again."
                    </p>
                })
            }
            <form on:submit=submit>
                <label class="field">
                    <span>"Passphrase, to confirm"</span>
                    <input type="password" autocomplete="current-password" prop:value=move || passphrase.get() on:input=move |ev| passphrase.set(event_target_value(&ev)) />
                </label>
                <label class="agree">
                    <input type="checkbox" on:change=move |ev| understood.set(event_target_checked(&ev)) />
                    <span>"I understand that this cannot be undone."</span>
                </label>
                <button type="submit" class="button-crisis" disabled=move || busy.get() || !understood.get() || passphrase.get().is_empty()>
                    "Erase everything"
                </button>
            </form>
            <Show when=move || busy.get()>
                <Working label="Checking your passphrase" />
            </Show>
        </section>
    }
}
