use leptos::prelude::*;

use super::{ClinicState, ScreenHeading};

/// The clinic's ways to reach a person, one tap away from every screen.
#[component]
pub fn ContactPanel(
    /// The clinic's configuration.
    clinic: Signal<ClinicState>,
    /// Closes the panel.
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <section class="panel contact-panel" aria-labelledby="hearth-contact-title">
            <ScreenHeading id="hearth-contact-title" text="Talk to a person" />
            <ContactOptions clinic=clinic />
            <button type="button" class="button-secondary" on:click=move |_| on_close.run(())>
                "Close"
            </button>
        </section>
    }
}

/// The list of contact options, or a plain explanation when there are none.
#[component]
pub(crate) fn ContactOptions(
    /// The clinic's configuration.
    clinic: Signal<ClinicState>,
) -> impl IntoView {
    move || {
        match clinic.get() {
        ClinicState::Loaded(config) if !config.contact_options.is_empty() => view! {
            <ul class="contact-options">
                {config
                    .contact_options
                    .into_iter()
                    .map(|option| {
                        let href = option.href();
                        view! {
                            <li>
                                <a class="call" href=href>{option.label}</a>
                                " "
                                <span class="contact-value">{option.value}</span>
                                {option.hours.map(|h| view! { <span class="contact-hours">{h}</span> })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
        ClinicState::Loading => view! { <p>"Loading your clinic's contact details…"</p> }.into_any(),
        _ => view! {
            <p>
                "Your clinic's contact details could not be loaded. Please use the phone number \
                 or e-mail your clinic gave you. In an emergency, use Crisis help."
            </p>
        }
        .into_any(),
    }
    }
}
