use leptos::prelude::*;

use super::ScreenHeading;
use crate::consent::{SupportChoice, CONSENT_TEXT};

/// The consent text, section by section.
#[component]
pub fn ConsentText() -> impl IntoView {
    CONSENT_TEXT
        .iter()
        .map(|section| {
            view! {
                <section class="consent-section">
                    <h3>{section.heading}</h3>
                    <ul>{section.points.iter().map(|p| view! { <li>{*p}</li> }).collect_view()}</ul>
                </section>
            }
        })
        .collect_view()
}

/// A radio group offering the three kinds of support.
#[component]
pub fn ChoicePicker(
    /// The choice currently selected, if any; the picker writes the patient's pick here.
    selected: RwSignal<Option<SupportChoice>>,
    /// The group's legend.
    legend: &'static str,
) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>{legend}</legend>
            {SupportChoice::ALL
                .into_iter()
                .map(|choice| {
                    view! {
                        <label class="choice">
                            <input
                                type="radio"
                                name="hearth-support"
                                value=choice.key()
                                prop:checked=move || selected.get() == Some(choice)
                                on:change=move |_| selected.set(Some(choice))
                            />
                            <span class="choice-text">
                                <span class="choice-title">{choice.title()}</span>
                                <span class="choice-description">{choice.description()}</span>
                            </span>
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// The informed-consent step: what the assistant is, what it can't do, where data goes, the
/// risks, and a real choice of support. Nothing AI-related runs before the patient agrees.
#[component]
pub fn ConsentStep(
    /// Called with the patient's choice, and whether they agreed to crisis alerts, once they
    /// have read and agreed.
    on_done: Callback<(SupportChoice, bool)>,
    /// Whether the clinic offers crisis alerts to the clinician (then the step asks).
    #[prop(into)]
    alerts_offered: Signal<bool>,
    /// Opens "About the AI model" (the model card).
    on_model_card: Callback<()>,
    /// Paragraphs the clinic added (`consent_additions` in `clinic.json`).
    #[prop(into)]
    additions: Signal<Vec<String>>,
) -> impl IntoView {
    let understood = RwSignal::new(false);
    let alerts = RwSignal::new(false);
    let selected = RwSignal::new(None::<SupportChoice>);
    let ready = move || understood.get() && selected.get().is_some();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (true, Some(choice)) = (understood.get_untracked(), selected.get_untracked()) {
            on_done.run((
                choice,
                alerts_offered.get_untracked() && alerts.get_untracked(),
            ));
        }
    };
    view! {
        <section class="screen consent" aria-labelledby="hearth-consent-title">
            <ScreenHeading id="hearth-consent-title" text="Before we start" />
            <p class="lead">
                "Hearth is a support tool from your clinic for the time between appointments. \
                 Please read this first: it is short, and it matters."
            </p>
            <ConsentText />
            {move || {
                let additions = additions.get();
                (!additions.is_empty()).then(|| view! {
                    <section class="consent-additions" aria-labelledby="hearth-consent-clinic">
                        <h3 id="hearth-consent-clinic">"From your clinic"</h3>
                        {additions.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                    </section>
                })
            }}
            <p>
                <button type="button" class="button-link" on:click=move |_| on_model_card.run(())>
                    "About the AI model: what it is, how well it works, how fair it is"
                </button>
            </p>
            <form class="consent-form" on:submit=submit>
                <ChoicePicker selected=selected legend="How would you like to be supported?" />
                <label class="agree">
                    <input
                        type="checkbox"
                        prop:checked=move || understood.get()
                        on:change=move |ev| understood.set(event_target_checked(&ev))
                    />
                    <span>
                        "I have read this. I understand the assistant is software, not a person, \
                         and that it is not for emergencies."
                    </span>
                </label>
                <Show when=move || alerts_offered.get()>
                    <AlertConsent checked=alerts />
                </Show>
                <p class="hint">"You can change your choice at any time in Settings."</p>
                <button type="submit" class="button-primary" disabled=move || !ready()>
                    "Continue"
                </button>
            </form>
        </section>
    }
}

/// The optional agreement to crisis alerts: what it means, as a checkbox.
#[component]
pub fn AlertConsent(
    /// Whether the patient agrees.
    checked: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <label class="agree alerts-consent">
            <input
                type="checkbox"
                prop:checked=move || checked.get()
                on:change=move |ev| checked.set(event_target_checked(&ev))
            />
            <span>
                "Optional: in a crisis, let me choose to send my clinician a short alert. It is \
                 locked so only they can read it, and it is only ever sent when I tap \"Send \
                 alert\". It is not an emergency service."
            </span>
        </label>
    }
}
