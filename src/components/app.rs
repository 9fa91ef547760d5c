use leptos::prelude::*;

use super::heading::FocusOnNavigate;
use super::state::{now_ms, AppState, PatientSettings, Screen, SyncView};
use super::vault_screens::{CreateVault, Recover, RecoveryKeyShown, Unlock};
use super::{
    ChatScreen, CheckInScreen, ConsentStep, ContactPanel, CrisisPanel, Home, Journal,
    ModelStatusLine, QuestionnaireScreen, SafetyPlanScreen, SessionScreen, Settings, TrendsScreen,
};
use super::{JoinVault, ModelCardScreen, ShareScreen};
use crate::clinic::{ClinicConfig, ClinicConfigError};
use crate::consent::{ConsentRecord, SupportChoice};
use crate::nlu_client::Understanding;
use crate::storage::Store;
use crate::vault_client::Vault;

/// The clinic configuration as the widget knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClinicState {
    /// Still being fetched.
    Loading,
    /// Loaded and valid.
    Loaded(Box<ClinicConfig>),
    /// Missing or invalid; the message says why (for the clinic's IT, shown discreetly).
    Failed(ClinicConfigError),
    /// The page named no configuration.
    None,
}

impl ClinicState {
    /// Whether the clinic offers `module` (every module does until a configuration says
    /// otherwise).
    pub fn offers(&self, module: crate::clinic::Module) -> bool {
        match self {
            ClinicState::Loaded(config) => config.modules.contains(&module),
            _ => true,
        }
    }

    /// Whether the clinic offers the guided session `pack`.
    pub fn offers_pack(&self, pack: &str) -> bool {
        match self {
            ClinicState::Loaded(config) => config
                .content_packs
                .as_ref()
                .is_none_or(|packs| packs.iter().any(|p| p == pack)),
            _ => true,
        }
    }
}

/// The whole widget.
#[component]
pub fn App(
    /// Where the pre-vault consent choice is kept (`localStorage` in the browser).
    store: Store,
    /// The vault (a Web Worker in the browser).
    vault: Vault,
    /// On-device understanding (a Web Worker in the browser).
    understanding: Understanding,
    /// The clinic's configuration, which may arrive after the first render.
    #[prop(into)]
    clinic: Signal<ClinicState>,
    /// The patient's locale (BCP 47, e.g. `en-GB`), used to order crisis lines.
    #[prop(into)]
    locale: String,
    /// The widget's own origin, the default relay for crisis alerts.
    #[prop(optional, into)]
    widget_origin: String,
) -> impl IntoView {
    let (notice, pending) = match ConsentRecord::load(&*store) {
        Ok(record) => (None, record),
        Err(err) => (Some(err.to_string()), None),
    };
    let state = AppState {
        vault,
        store,
        screen: RwSignal::new(Screen::Starting),
        consent: RwSignal::new(pending),
        settings: RwSignal::new(PatientSettings::default()),
        unlocked: RwSignal::new(false),
        notice: RwSignal::new(notice),
        focus: RwSignal::new(false),
        last_activity: RwSignal::new(now_ms()),
        understanding,
        crisis_open: RwSignal::new(false),
        detected_risk: RwSignal::new(None),
        risk_state: RwSignal::new(None),
        follow_up_due: RwSignal::new(false),
        risk_saving: RwSignal::new(false),
        risk_dirty: RwSignal::new(false),
        clinic,
        locale,
        widget_origin,
        vault_code: RwSignal::new(None),
        sync: RwSignal::new(SyncView::default()),
    };
    provide_context(FocusOnNavigate(state.focus));
    state.start();
    auto_lock(&state);
    background_sync(&state);

    let crisis_open = state.crisis_open;
    let panel_state = state.clone();
    let model_status = state.understanding.status;
    let contact_open = RwSignal::new(false);
    let focus = state.focus;
    let clinic_name = move || match clinic.get() {
        ClinicState::Loaded(config) => config.name,
        _ => "your clinic".to_owned(),
    };
    let activity = state.last_activity;
    let lock_state = state.clone();
    let screen_state = state.clone();
    let on_contact = Callback::new(move |()| {
        focus.set(true);
        contact_open.set(true);
    });

    view! {
        <div
            class="hearth-widget"
            on:pointerdown=move |_| activity.set(now_ms())
            on:keydown=move |_| activity.set(now_ms())
        >
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
                    <Show when=move || state.unlocked.get()>
                        {
                            let lock_state = lock_state.clone();
                            view! {
                                <button type="button" class="button-secondary" on:click=move |_| lock_state.lock()>
                                    "Lock"
                                </button>
                            }
                        }
                    </Show>
                </nav>
            </header>
            <Show when=move || crisis_open.get()>
                <CrisisPanel
                    state=panel_state.clone()
                    on_close=Callback::new(move |()| crisis_open.set(false))
                />
            </Show>
            <Show when=move || contact_open.get()>
                <ContactPanel clinic=clinic on_close=Callback::new(move |()| contact_open.set(false)) />
            </Show>
            {move || state.notice.get().map(|text| view! { <p class="notice" role="alert">{text}</p> })}
            <main class="hearth-main">
                {move || screen(&screen_state, clinic, on_contact)}
            </main>
            <ModelStatusLine status=model_status />
            <footer class="hearth-footer">
                <p>"Hearth is software. It is not a therapist and cannot respond to emergencies."</p>
            </footer>
        </div>
    }
}

/// The current screen. Only navigation re-renders it: saving a change must not reset it.
fn screen(state: &AppState, clinic: Signal<ClinicState>, on_contact: Callback<()>) -> AnyView {
    let current = state.screen.get();
    let consent = state.consent.get_untracked();
    match (current, consent) {
        (Screen::Starting, _) => view! { <p class="starting">"Opening Hearth…"</p> }.into_any(),
        (Screen::ModelCard, _) => view! { <ModelCardScreen state=state.clone() /> }.into_any(),
        (Screen::Unlock, _) => view! { <Unlock state=state.clone() /> }.into_any(),
        (Screen::Recover, _) => view! { <Recover state=state.clone() /> }.into_any(),
        (Screen::RecoveryKey { words, code }, _) => {
            view! { <RecoveryKeyShown state=state.clone() words=words code=code /> }.into_any()
        }
        (Screen::CreateVault, Some(record)) => view! {
            <p class="chosen">"You chose: " <strong class="chosen-path">{record.choice.title()}</strong> "."</p>
            <CreateVault state=state.clone() />
        }
        .into_any(),
        (Screen::Home, Some(record)) => view! {
            <Home state=state.clone() record=record clinic=clinic on_contact=on_contact />
        }
        .into_any(),
        (Screen::Journal, Some(_)) => view! { <Journal state=state.clone() /> }.into_any(),
        (Screen::SafetyPlan, Some(_)) => view! { <SafetyPlanScreen state=state.clone() /> }.into_any(),
        (Screen::Chat, Some(_)) => view! { <ChatScreen state=state.clone() /> }.into_any(),
        (Screen::Questionnaire(instrument), Some(_)) => {
            view! { <QuestionnaireScreen state=state.clone() instrument=instrument /> }.into_any()
        }
        (Screen::CheckIn, Some(_)) => view! { <CheckInScreen state=state.clone() /> }.into_any(),
        (Screen::Trends, Some(_)) => view! { <TrendsScreen state=state.clone() /> }.into_any(),
        (Screen::Session { pack }, Some(_)) => view! { <SessionScreen state=state.clone() pack=pack /> }.into_any(),
        (Screen::Share, Some(_)) => view! { <ShareScreen state=state.clone() /> }.into_any(),
        (Screen::JoinVault, Some(_)) => view! { <JoinVault state=state.clone() /> }.into_any(),
        (Screen::Settings, Some(record)) => {
            view! { <Settings state=state.clone() current=record.choice /> }.into_any()
        }
        _ => {
            let state = state.clone();
            let model_card_state = state.clone();
            let offered = {
                let state = state.clone();
                Signal::derive(move || state.alerts_offered())
            };
            let on_done = Callback::new(move |(choice, alerts): (SupportChoice, bool)| {
                let mut record = state.consent_for(choice);
                record.alerts = alerts;
                state.save_consent(record);
                let next = if state.unlocked.get_untracked() { Screen::Home } else { Screen::CreateVault };
                state.go(next);
            });
            let on_model_card = Callback::new(move |()| model_card_state.go(Screen::ModelCard));
            let additions = Signal::derive(move || match clinic.get() {
                ClinicState::Loaded(config) => config.consent_additions,
                _ => Vec::new(),
            });
            view! { <ConsentStep on_done=on_done alerts_offered=offered on_model_card=on_model_card additions=additions /> }.into_any()
        }
    }
}

/// While the vault is open and sync is on, syncs every half minute: other devices' changes
/// arrive, and changes made offline go up once the connection is back.
fn background_sync(state: &AppState) {
    #[cfg(target_arch = "wasm32")]
    {
        let state = state.clone();
        let interval = gloo_timers::callback::Interval::new(30_000, move || {
            if state.unlocked.get_untracked() {
                state.sync_soon();
            }
        });
        let interval = send_wrapper::SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = state;
}

/// Locks the vault after the patient's chosen minutes without activity.
fn auto_lock(state: &AppState) {
    #[cfg(target_arch = "wasm32")]
    {
        let state = state.clone();
        let interval = gloo_timers::callback::Interval::new(5_000, move || {
            if !state.unlocked.get_untracked() {
                return;
            }
            let idle_ms = now_ms() - state.last_activity.get_untracked();
            let limit_ms = f64::from(state.settings.get_untracked().auto_lock_minutes) * 60_000.0;
            if idle_ms >= limit_ms {
                state.lock();
                state.notice.set(Some(
                    "Hearth locked itself after a while without activity, to keep your words private."
                        .to_owned(),
                ));
            }
        });
        let interval = send_wrapper::SendWrapper::new(interval);
        on_cleanup(move || drop(interval));
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = state;
}
