use leptos::prelude::*;

use super::heading::FocusOnNavigate;
use super::{ConsentStep, ContactPanel, CrisisPanel, Home, Settings};
use crate::clinic::{ClinicConfig, ClinicConfigError};
use crate::consent::{now_rfc3339, ConsentRecord, SupportChoice};
use crate::storage::Store;

/// Where the patient is in the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The informed-consent step and the choice of support.
    Consent,
    /// The home screen for the chosen kind of support.
    Home,
    /// Settings: change the choice, reread the consent text, withdraw.
    Settings,
}

/// The clinic configuration as the widget knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClinicState {
    /// Still being fetched.
    Loading,
    /// Loaded and valid.
    Loaded(ClinicConfig),
    /// Missing or invalid; the message says why (for the clinic's IT, shown discreetly).
    Failed(ClinicConfigError),
    /// The page named no configuration.
    None,
}

/// The whole widget.
#[component]
pub fn App(
    /// Where the consent record is kept (`localStorage` in the browser).
    store: Store,
    /// The clinic's configuration, which may arrive after the first render.
    #[prop(into)]
    clinic: Signal<ClinicState>,
    /// The patient's locale (BCP 47, e.g. `en-GB`), used to order crisis lines.
    #[prop(into)]
    locale: String,
) -> impl IntoView {
    let (load_error, initial) = match ConsentRecord::load(&*store) {
        Ok(record) => (None, record),
        Err(err) => (Some(err.to_string()), None),
    };
    let record = RwSignal::new(initial);
    let screen = RwSignal::new(if record.get_untracked().is_some() {
        Screen::Home
    } else {
        Screen::Consent
    });
    let notice = RwSignal::new(load_error);
    let crisis_open = RwSignal::new(false);
    let contact_open = RwSignal::new(false);
    let focus = RwSignal::new(false);
    provide_context(FocusOnNavigate(focus));

    let go = move |to: Screen| {
        focus.set(true);
        screen.set(to);
    };

    let save_store = store.clone();
    let on_consent = Callback::new(move |choice: SupportChoice| {
        let new = ConsentRecord::new(choice, &now_rfc3339());
        if let Err(err) = new.save(&*save_store) {
            notice.set(Some(format!(
                "Hearth couldn't save your choice on this device ({err}). You can go on; \
                 you'll be asked again next time."
            )));
        }
        record.set(Some(new));
        go(Screen::Home);
    });

    let change_store = store.clone();
    let on_change = Callback::new(move |choice: SupportChoice| {
        let Some(mut updated) = record.get_untracked() else {
            return;
        };
        updated.choice = choice;
        updated.changed_at = Some(now_rfc3339());
        match updated.save(&*change_store) {
            Ok(()) => notice.set(None),
            Err(err) => notice.set(Some(format!(
                "Hearth couldn't save your new choice on this device ({err})."
            ))),
        }
        record.set(Some(updated));
    });

    let withdraw_store = store;
    let on_withdraw = Callback::new(move |()| {
        if let Err(err) = ConsentRecord::withdraw(&*withdraw_store) {
            notice.set(Some(format!("Hearth couldn't clear your choice ({err}).")));
        }
        record.set(None);
        go(Screen::Consent);
    });

    let clinic_name = move || match clinic.get() {
        ClinicState::Loaded(config) => config.name,
        _ => "your clinic".to_owned(),
    };

    view! {
        <div class="hearth-widget">
            <header class="hearth-header">
                <div class="hearth-brand">
                    <span class="hearth-name">"Hearth"</span>
                    <span class="hearth-clinic">{clinic_name}</span>
                </div>
                <nav class="hearth-always" aria-label="Help">
                    <button
                        type="button"
                        class="button-secondary"
                        aria-expanded=move || contact_open.get().to_string()
                        on:click=move |_| {
                            focus.set(true);
                            contact_open.update(|open| *open = !*open);
                        }
                    >
                        "Talk to a person"
                    </button>
                    <button
                        type="button"
                        class="button-crisis"
                        aria-expanded=move || crisis_open.get().to_string()
                        on:click=move |_| {
                            focus.set(true);
                            crisis_open.update(|open| *open = !*open);
                        }
                    >
                        "Crisis help"
                    </button>
                </nav>
            </header>
            <Show when=move || crisis_open.get()>
                <CrisisPanel locale=locale.clone() on_close=Callback::new(move |()| crisis_open.set(false)) />
            </Show>
            <Show when=move || contact_open.get()>
                <ContactPanel clinic=clinic on_close=Callback::new(move |()| contact_open.set(false)) />
            </Show>
            {move || notice.get().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            <main class="hearth-main">
                // Only navigation re-renders the screen; a saved change must not reset it.
                {move || match (screen.get(), record.get_untracked()) {
                    (Screen::Home, Some(current)) => {
                        view! {
                            <Home
                                record=current
                                clinic=clinic
                                on_settings=Callback::new(move |()| go(Screen::Settings))
                                on_contact=Callback::new(move |()| {
                                    focus.set(true);
                                    contact_open.set(true);
                                })
                            />
                        }
                            .into_any()
                    }
                    (Screen::Settings, Some(current)) => {
                        view! {
                            <Settings
                                current=current.choice
                                on_change=on_change
                                on_withdraw=on_withdraw
                                on_back=Callback::new(move |()| go(Screen::Home))
                            />
                        }
                            .into_any()
                    }
                    _ => view! { <ConsentStep on_done=on_consent /> }.into_any(),
                }}
            </main>
            <footer class="hearth-footer">
                <p>"Hearth is software. It is not a therapist and cannot respond to emergencies."</p>
            </footer>
        </div>
    }
}
