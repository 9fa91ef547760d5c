use leptos::prelude::*;

use super::ScreenHeading;
use crate::crisis::lines_for_locale;
use hearth_nlu::Risk;

/// The crisis lines, reachable from every screen. Built into the widget: it needs no
/// network and no model.
#[component]
pub fn CrisisPanel(
    /// The patient's locale; lines for their country come first.
    locale: String,
    /// The risk found in the patient's words, when the card opened because of them.
    #[prop(into)]
    detected: Signal<Option<Risk>>,
    /// Closes the panel.
    on_close: Callback<()>,
) -> impl IntoView {
    let lines = lines_for_locale(&locale);
    let because = move || {
        detected.get().map(|risk| {
            let (class, text) = if risk == Risk::High {
                (
                    "detected urgent",
                    "What you wrote sounds like you may be in danger right now. Please call \
                     your local emergency number or a crisis line below now.",
                )
            } else {
                (
                    "detected",
                    "What you wrote sounds really hard. You don't have to face it alone: \
                     the people below are there to talk, any time.",
                )
            };
            view! { <p class=class role="alert">{text}</p> }
        })
    };
    view! {
        <section class="panel crisis-panel" aria-labelledby="hearth-crisis-title">
            <ScreenHeading id="hearth-crisis-title" text="Get help now" />
            {because}
            <p class="lead">
                "If you might act on thoughts of harming yourself or someone else, or you are in \
                 danger, call your local emergency number now. These services are free and \
                 confidential, and a person answers."
            </p>
            <ul class="crisis-lines">
                {lines
                    .into_iter()
                    .map(|line| {
                        view! {
                            <li class="crisis-line">
                                <h3>{line.region}</h3>
                                <p>{line.service}</p>
                                <p class="actions">
                                    {line
                                        .actions
                                        .iter()
                                        .chain([&line.emergency])
                                        .map(|a| view! { <a class="call" href=a.href>{a.label}</a> })
                                        .collect_view()}
                                </p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <button type="button" class="button-secondary" on:click=move |_| on_close.run(())>
                "Close"
            </button>
        </section>
    }
}
