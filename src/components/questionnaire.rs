use leptos::prelude::*;
use leptos::task::spawn_local;

use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::consent::now_rfc3339;
use crate::questionnaires::{
    Instrument, Progress, ANSWERS, DIFFICULTY_ANSWERS, DIFFICULTY_QUESTION,
};
use crate::risk::RiskSource;
use hearth_nlu::Risk;

/// A PHQ-9 or GAD-7, one item at a time, word for word. Progress is sealed after every
/// answer, so a questionnaire left half-way resumes where the patient stopped. PHQ-9 item 9
/// above zero opens the crisis protocol at once.
#[component]
pub fn QuestionnaireScreen(
    /// Shared state.
    state: AppState,
    /// Which questionnaire.
    instrument: Instrument,
) -> impl IntoView {
    let progress = RwSignal::new(None::<Progress>);
    let record_id = RwSignal::new(None::<String>);
    let resumed = RwSignal::new(false);
    {
        let state = state.clone();
        spawn_local(async move {
            let open = state
                .entries_of::<Progress>("questionnaire")
                .await
                .into_iter()
                .filter(|(_, p)| p.instrument == instrument && p.completed_at.is_none())
                .max_by(|a, b| a.1.started_at.cmp(&b.1.started_at));
            match open {
                Some((id, p)) => {
                    resumed.set(p.answers.iter().any(Option::is_some));
                    record_id.set(Some(id));
                    progress.set(Some(p));
                }
                None => progress.set(Some(Progress::new(instrument, &now_rfc3339()))),
            }
        });
    }
    let save = {
        let state = state.clone();
        move || {
            let state = state.clone();
            spawn_local(async move {
                let Some(current) = progress.get_untracked() else {
                    return;
                };
                if let Some(saved) = state.save_entry(record_id.get_untracked(), &current).await {
                    record_id.set(Some(saved.id));
                }
            });
        }
    };
    let answer_state = state.clone();
    let answer_save = save.clone();
    let answer = Callback::new(move |(index, score): (usize, u8)| {
        progress.update(|p| {
            if let Some(p) = p {
                let _ = p.answer(index, score, &now_rfc3339());
            }
        });
        if progress
            .get_untracked()
            .is_some_and(|p| p.needs_safety_follow_up())
            && index == 8
        {
            // Thoughts of being better off dead or of self-harm: the crisis protocol, now.
            answer_state.raise_risk(Risk::Low, RiskSource::Screener);
        }
        answer_save();
    });
    let difficulty_save = save.clone();
    let set_difficulty = Callback::new(move |d: u8| {
        progress.update(|p| {
            if let Some(p) = p {
                p.difficulty = Some(d);
            }
        });
        difficulty_save();
    });
    let body = move || {
        let p = progress.get()?;
        Some(match p.next_item() {
            Some(index) => {
                let items = instrument.items();
                view! {
                    {resumed.get().then(|| view! { <p class="hint">"Welcome back: you can carry on where you stopped."</p> })}
                    <p class="stem">{instrument.stem()}</p>
                    <fieldset class="choices question">
                        <legend>
                            <span class="question-number">{format!("Question {} of {}", index + 1, items.len())}</span>
                            " "
                            <span class="item">{items[index]}</span>
                        </legend>
                        {ANSWERS.iter().enumerate().map(|(score, label)| view! {
                            <button type="button" class="button-secondary answer" on:click=move |_| answer.run((index, score as u8))>
                                {*label}
                            </button>
                        }).collect_view()}
                    </fieldset>
                }
                .into_any()
            }
            None => {
                let total = p.total().unwrap_or(0);
                let severity = p.severity().map(|s| s.label(instrument)).unwrap_or("");
                view! {
                    <section class="card result" aria-labelledby="hearth-result-title">
                        <h3 id="hearth-result-title">"Your result"</h3>
                        <p class="score" role="status">
                            {format!("{} total: {total} out of {} ({severity})", instrument.name(), instrument.max_total())}
                        </p>
                        <p>"This is a screening questionnaire, not a diagnosis. Your clinician can tell you \
                            what it means for you; you can share it with them, and see it over time in Trends."</p>
                        {p.needs_safety_follow_up().then(|| view! {
                            <p class="detected" role="alert">"You said you have had thoughts that you would be better off \
                                dead or of hurting yourself. Please look at the crisis options, and tell your clinician."</p>
                        })}
                    </section>
                    <fieldset class="choices">
                        <legend>{DIFFICULTY_QUESTION}</legend>
                        {DIFFICULTY_ANSWERS.iter().enumerate().map(|(d, label)| view! {
                            <label class="choice">
                                <input type="radio" name="hearth-difficulty"
                                    prop:checked=move || progress.get().and_then(|p| p.difficulty) == Some(d as u8)
                                    on:change=move |_| set_difficulty.run(d as u8) />
                                <span>{*label}</span>
                            </label>
                        }).collect_view()}
                    </fieldset>
                }
                .into_any()
            }
        })
    };
    let back = state.clone();
    view! {
        <section class="screen questionnaire" aria-labelledby="hearth-questionnaire-title">
            <ScreenHeading id="hearth-questionnaire-title" text=instrument.name() />
            {body}
            <p class="source">{instrument.source()}</p>
            <button type="button" class="button-secondary" on:click=move |_| back.go(Screen::Home)>
                {move || if progress.get().is_some_and(|p| p.is_complete()) { "Done" } else { "Stop for now" }}
            </button>
        </section>
    }
}
