use leptos::prelude::*;

use super::{ChoicePicker, ConsentText, ScreenHeading};
use crate::consent::SupportChoice;

/// Settings: change the choice of support, reread what the assistant is, or withdraw.
#[component]
pub fn Settings(
    /// The patient's current choice.
    current: SupportChoice,
    /// Saves a new choice.
    on_change: Callback<SupportChoice>,
    /// Withdraws consent and returns to the consent step.
    on_withdraw: Callback<()>,
    /// Returns to the home screen.
    on_back: Callback<()>,
) -> impl IntoView {
    let selected = RwSignal::new(Some(current));
    let saved = RwSignal::new(None::<SupportChoice>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(choice) = selected.get_untracked() {
            on_change.run(choice);
            saved.set(Some(choice));
        }
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
            <details class="consent-again">
                <summary>"What the assistant is, and what it can't do"</summary>
                <ConsentText />
            </details>
            <section class="card" aria-labelledby="hearth-withdraw-title">
                <h3 id="hearth-withdraw-title">"Withdraw consent"</h3>
                <p>
                    "This forgets your choice on this device and takes you back to the start. \
                     Your clinic's contact options and the crisis lines stay available."
                </p>
                <button type="button" class="button-secondary" on:click=move |_| on_withdraw.run(())>
                    "Withdraw consent"
                </button>
            </section>
            <button type="button" class="button-secondary" on:click=move |_| on_back.run(())>
                "Back"
            </button>
        </section>
    }
}
