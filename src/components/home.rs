use leptos::prelude::*;

use super::contact::ContactOptions;
use super::state::{AppState, Screen};
use super::{ClinicState, ScreenHeading};
use crate::clinic::Module;
use crate::consent::ConsentRecord;
use crate::questionnaires::Instrument;
use crate::risk::FollowUpAnswer;

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
    let offers = move |m: Module| clinic.with(|c| c.offers(m));
    let journal_state = state.clone();
    let plan_state = state.clone();
    let chat_state = state.clone();
    let sessions_state = state.clone();
    let checkin_state = state.clone();
    let phq_state = state.clone();
    let gad_state = state.clone();
    let trends_state = state.clone();
    let follow_state = state.clone();
    let share_state = state.clone();
    view! {
        <section class="screen home" aria-labelledby="hearth-home-title">
            <ScreenHeading id="hearth-home-title" text="Welcome" />
            <FollowUpCheck state=follow_state />
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
            {(choice.uses_assistant() && offers(Module::Assistant))
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="hearth-assistant-title">
                            <h3 id="hearth-assistant-title">"Your assistant"</h3>
                            <p>
                                "The assistant is automated software. It offers check-ins and \
                                 exercises your clinic has chosen, and it will always tell you \
                                 when a person would be better placed to help."
                            </p>
                            <div class="home-actions">
                                <button type="button" class="button-primary" on:click=move |_| chat_state.go(Screen::Chat)>
                                    "Talk with the assistant"
                                </button>
                                <SessionList state=sessions_state.clone() clinic=clinic />
                                <button type="button" class="button-secondary" on:click=move |_| on_contact.run(())>
                                    "I'd rather talk to a person"
                                </button>
                            </div>
                        </section>
                    }
                })}
            <nav class="home-actions" aria-label="Your space">
                <Show when=move || offers(Module::CheckIn)>
                    <button type="button" class="button-secondary" on:click={
                        let s = checkin_state.clone();
                        move |_| s.go(Screen::CheckIn)
                    }>
                        "Check in"
                    </button>
                </Show>
                <Show when=move || offers(Module::Journal)>
                    <button type="button" class="button-secondary" on:click={
                        let s = journal_state.clone();
                        move |_| s.go(Screen::Journal)
                    }>
                        "Journal"
                    </button>
                </Show>
                <Show when=move || offers(Module::Questionnaires)>
                    <button type="button" class="button-secondary" on:click={
                        let s = phq_state.clone();
                        move |_| s.go(Screen::Questionnaire(Instrument::Phq9))
                    }>
                        "PHQ-9 (mood questionnaire)"
                    </button>
                    <button type="button" class="button-secondary" on:click={
                        let s = gad_state.clone();
                        move |_| s.go(Screen::Questionnaire(Instrument::Gad7))
                    }>
                        "GAD-7 (anxiety questionnaire)"
                    </button>
                </Show>
                <Show when=move || offers(Module::Trends)>
                    <button type="button" class="button-secondary" on:click={
                        let s = trends_state.clone();
                        move |_| s.go(Screen::Trends)
                    }>
                        "Trends"
                    </button>
                </Show>
                <button type="button" class="button-secondary" on:click=move |_| plan_state.go(Screen::SafetyPlan)>
                    "My safety plan"
                </button>
                {move || {
                    let offered = matches!(clinic.get(), ClinicState::Loaded(config) if config.share_target().is_some());
                    let share_state = share_state.clone();
                    offered.then(|| view! {
                        <button type="button" class="button-secondary" on:click=move |_| share_state.go(Screen::Share)>
                            "Share with my clinician"
                        </button>
                    })
                }}
                <button type="button" class="button-secondary" on:click=move |_| state.go(Screen::Settings)>
                    "Settings"
                </button>
            </nav>
        </section>
    }
}

/// The gentle check that opens a visit after a crisis was detected (and not yet closed by
/// the patient saying things are better).
#[component]
fn FollowUpCheck(
    /// Shared state.
    state: AppState,
) -> impl IntoView {
    let answered = RwSignal::new(None::<FollowUpAnswer>);
    let due = state.follow_up_due;
    move || {
        let plan_state = state.clone();
        let state = state.clone();
        let answer = Callback::new(move |a: FollowUpAnswer| {
            // Saving starts first, so the reply below waits for it.
            state.answer_follow_up(a);
            answered.set(Some(a));
        });
        let saving = plan_state.risk_saving;
        match answered.get() {
            // The reply shows once the answer is sealed, so leaving straight after it
            // cannot lose the answer.
            Some(_) if saving.get() => Some(view! {
                <p class="follow-up-answer" role="status">"Saving your answer…"</p>
            }.into_any()),
            None if due.get() => Some(view! {
                <section class="card follow-up" aria-labelledby="hearth-follow-up-title">
                    <h3 id="hearth-follow-up-title">"Checking in"</h3>
                    <p>"Last time, things sounded really hard. How are you feeling today, compared with then?"</p>
                    <div class="answers" role="group" aria-labelledby="hearth-follow-up-title">
                        <button type="button" class="button-secondary" on:click=move |_| answer.run(FollowUpAnswer::Better)>"A bit better"</button>
                        <button type="button" class="button-secondary" on:click=move |_| answer.run(FollowUpAnswer::Same)>"About the same"</button>
                        <button type="button" class="button-secondary" on:click=move |_| answer.run(FollowUpAnswer::Worse)>"Worse"</button>
                    </div>
                </section>
            }.into_any()),
            Some(FollowUpAnswer::Better) => Some(view! {
                <p class="follow-up-answer" role="status">"I'm glad to hear that. Your safety plan and the crisis lines are always here if you need them."</p>
            }.into_any()),
            Some(FollowUpAnswer::Same) => Some(view! {
                <div class="follow-up-answer" role="status">
                    <p>"Thank you for telling me. It may help to look at your safety plan, or to tell your clinician how things are."</p>
                    <button type="button" class="button-secondary" on:click=move |_| plan_state.go(Screen::SafetyPlan)>"Open my safety plan"</button>
                </div>
            }.into_any()),
            Some(FollowUpAnswer::Worse) => Some(view! {
                <p class="follow-up-answer" role="status">"I'm sorry it's harder. The crisis options are open above: please reach a person now."</p>
            }.into_any()),
            None => None,
        }
    }
}

/// The guided sessions, each one tap away.
#[component]
fn SessionList(
    /// Shared state.
    state: AppState,
    /// The clinic's configuration (which packs it offers).
    clinic: Signal<ClinicState>,
) -> impl IntoView {
    view! {
        <details class="sessions">
            <summary>"Guided sessions"</summary>
            <ul class="session-list">
                {move || crate::content::shipped()
                    .0
                    .iter()
                    .filter(|pack| clinic.with(|c| c.offers_pack(&pack.id)))
                    .map(|pack| {
                        let state = state.clone();
                        let id = pack.id.clone();
                        view! {
                            <li>
                                <button type="button" class="button-secondary" on:click=move |_| state.go(Screen::Session { pack: id.clone() })>
                                    {pack.title.clone()}
                                </button>
                                <span class="hint">{format!(" {} min. {}", pack.minutes, pack.summary)}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </details>
    }
}
