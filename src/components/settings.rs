use leptos::prelude::*;

use super::state::{AppState, PatientSettings, Screen, AUTO_LOCK_CHOICES};
use super::vault_screens::{ChangePassphrase, EraseVault};
use super::{AlertConsent, ChoicePicker, ConsentText, ScreenHeading, SyncSettings};
use crate::consent::SupportChoice;

/// Settings: the choice of support, auto-lock, the passphrase, rereading the consent text,
/// and withdrawing consent.
#[component]
pub fn Settings(
    /// Shared state.
    state: AppState,
    /// The patient's current choice.
    current: SupportChoice,
) -> impl IntoView {
    let selected = RwSignal::new(Some(current));
    let saved = RwSignal::new(None::<SupportChoice>);
    let choice_state = state.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(choice) = selected.get_untracked() {
            choice_state.save_consent(choice_state.consent_for(choice));
            saved.set(Some(choice));
        }
    };
    let minutes = state.settings.get_untracked().auto_lock_minutes;
    let lock_state = state.clone();
    let on_lock_change = move |ev| {
        if let Ok(auto_lock_minutes) = event_target_value(&ev).parse::<u32>() {
            lock_state.save_settings(PatientSettings {
                auto_lock_minutes,
                ..lock_state.settings.get_untracked()
            });
        }
    };
    let withdraw_state = state.clone();
    let back_state = state.clone();
    let alerts_state = state.clone();
    let alerts = RwSignal::new(state.consent.get_untracked().is_some_and(|c| c.alerts));
    Effect::new(move |first: Option<()>| {
        let agreed = alerts.get();
        if first.is_some() {
            if let Some(mut record) = alerts_state.consent.get_untracked() {
                record.alerts = agreed;
                alerts_state.save_consent(record);
            }
        }
    });
    let offered = {
        let state = state.clone();
        move || state.alerts_offered()
    };
    view! {
        <section class="screen settings" aria-labelledby="hearth-settings-title">
            <ScreenHeading id="hearth-settings-title" text="Settings" />
            <form class="settings-form" on:submit=submit>
                <ChoicePicker selected=selected legend="Your choice of support" />
                <button type="submit" class="button-primary">"Save choice"</button>
                <p class="status" role="status">
                    {move || saved.get().map(|c| format!("Saved. You chose: {}.", c.title()))}
                </p>
            </form>
            <section class="card" aria-labelledby="hearth-lock-title">
                <h3 id="hearth-lock-title">"Locking"</h3>
                <label class="field">
                    <span>"Lock automatically after this long without activity"</span>
                    <select on:change=on_lock_change>
                        {AUTO_LOCK_CHOICES
                            .into_iter()
                            .map(|m| {
                                let label = if m == 1 { "1 minute".to_owned() } else { format!("{m} minutes") };
                                view! { <option value=m.to_string() selected=m == minutes>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
            </section>
            <Show when=offered.clone()>
                <section class="card" aria-labelledby="hearth-alerts-title">
                    <h3 id="hearth-alerts-title">"Crisis alerts to your clinician"</h3>
                    <AlertConsent checked=alerts />
                </section>
            </Show>
            <SyncSettings state=state.clone() />
            <section class="card" aria-labelledby="hearth-model-title">
                <h3 id="hearth-model-title">"The AI model"</h3>
                <p>
                    "The software that reads your messages on this device: what it is, how well \
                     it works, how fair it is across different people, and where it fails."
                </p>
                <button type="button" class="button-secondary" on:click={
                    let state = state.clone();
                    move |_| state.go(Screen::ModelCard)
                }>"About the AI model"</button>
            </section>
            <ChangePassphrase state=state.clone() />
            <details class="consent-again">
                <summary>"What the assistant is, and what it can't do"</summary>
                <ConsentText />
            </details>
            <section class="card" aria-labelledby="hearth-withdraw-title">
                <h3 id="hearth-withdraw-title">"Withdraw consent"</h3>
                <p>
                    "This records that you withdrew and takes you back to the start. Your clinic's \
                     contact options and the crisis lines stay available."
                </p>
                <button type="button" class="button-secondary" on:click=move |_| withdraw_state.withdraw_consent()>
                    "Withdraw consent"
                </button>
            </section>
            <EraseVault state=state.clone() />
            <button type="button" class="button-secondary" on:click=move |_| back_state.go(Screen::Home)>
                "Back"
            </button>
        </section>
    }
}
