use leptos::prelude::*;

use super::contact::ContactOptions;
use super::state::{AppState, Screen};
use super::{ClinicState, ScreenHeading};
use crate::consent::ConsentRecord;

/// The home screen for the patient's chosen kind of support.
#[component]
pub fn Home(
    /// Shared state.
    state: AppState,
    /// The patient's consent record.
    record: ConsentRecord,
    /// The clinic's configuration.
    clinic: Signal<ClinicState>,
    /// Opens the clinic's contact options.
    on_contact: Callback<()>,
) -> impl IntoView {
    let choice = record.choice;
    let journal_state = state.clone();
    let plan_state = state.clone();
    view! {
        <section class="screen home" aria-labelledby="hearth-home-title">
            <ScreenHeading id="hearth-home-title" text="Welcome" />
            <p class="chosen">
                "You chose: " <strong class="chosen-path">{choice.title()}</strong> ". "
                {choice.description()}
            </p>
            {choice
                .wants_human()
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="hearth-people-title">
                            <h3 id="hearth-people-title">"Your clinic's people"</h3>
                            <ContactOptions clinic=clinic />
                        </section>
                    }
                })}
            {choice
                .uses_assistant()
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="hearth-assistant-title">
                            <h3 id="hearth-assistant-title">"Your assistant"</h3>
                            <p>
                                "The assistant is automated software. It offers check-ins and \
                                 exercises your clinic has chosen, and it will always tell you \
                                 when a person would be better placed to help."
                            </p>
                            <button type="button" class="button-secondary" on:click=move |_| on_contact.run(())>
                                "I'd rather talk to a person"
                            </button>
                        </section>
                    }
                })}
            <nav class="home-actions" aria-label="Your space">
                <button type="button" class="button-secondary" on:click=move |_| journal_state.go(Screen::Journal)>
                    "Journal"
                </button>
                <button type="button" class="button-secondary" on:click=move |_| plan_state.go(Screen::SafetyPlan)>
                    "My safety plan"
                </button>
                <button type="button" class="button-secondary" on:click=move |_| state.go(Screen::Settings)>
                    "Settings"
                </button>
            </nav>
        </section>
    }
}
