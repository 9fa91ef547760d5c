use leptos::prelude::*;
use leptos::task::spawn_local;

use super::safety_plan::{load_plan, SafetyPlan, STEPS};
use super::state::{AppState, Screen};
use super::ScreenHeading;
use crate::crisis::lines_for_locale;
use crate::cssrs::Screener;
use hearth_nlu::Risk;

/// The crisis card, reachable from every screen and opened by the crisis layer. Built into
/// the widget: it needs no network and no model. It offers the lines for the patient's
/// country, their safety plan (when the vault is open), "I'm safe right now" / "I need help
/// now", and the C-SSRS screener.
#[component]
pub fn CrisisPanel(
    /// Shared state (the vault, for the safety plan; the risk found, if any).
    state: AppState,
    /// The patient's locale; lines for their country come first.
    locale: String,
    /// Closes the panel.
    on_close: Callback<()>,
) -> impl IntoView {
    let lines = lines_for_locale(&locale);
    let emergency = lines.first().map(|l| l.emergency);
    let detected = state.detected_risk;
    // "I need help now", or a high result from the screener, turns the card urgent.
    let urgent = RwSignal::new(false);
    let screening = RwSignal::new(None::<Screener>);
    let plan = RwSignal::new(None::<SafetyPlan>);
    if state.unlocked.get_untracked() {
        let state = state.clone();
        spawn_local(async move {
            plan.set(
                load_plan(&state)
                    .await
                    .map(|(_, p)| p)
                    .filter(|p| !p.is_empty()),
            );
        });
    }
    let because = move || {
        let risk = detected.get()?;
        let (class, text) = if risk == Risk::High || urgent.get() {
            (
                "detected urgent",
                "What you wrote sounds like you may be in danger right now. Please call your \
                 local emergency number or a crisis line below now.",
            )
        } else {
            (
                "detected",
                "What you wrote sounds really hard. You don't have to face it alone: the people \
                 below are there to talk, any time.",
            )
        };
        Some(view! { <p class=class role="alert">{text}</p> })
    };
    let urgent_view = move || {
        (urgent.get() || detected.get() == Some(Risk::High)).then(|| {
            let call =
                emergency.map(|a| view! { <a class="call urgent-call" href=a.href>{a.label}</a> });
            view! {
                <div class="urgent" role="alert">
                    <p><strong>"Contact emergency services now."</strong>
                    " If you can, tell someone near you and stay with them."</p>
                    {call}
                </div>
            }
        })
    };
    let plan_state = state.clone();
    let plan_view = move || {
        let state = plan_state.clone();
        match plan.get() {
            Some(p) => view! {
                <section class="card safety-plan-card" aria-labelledby="hearth-card-plan">
                    <h3 id="hearth-card-plan">"My safety plan"</h3>
                    <ol>
                        {STEPS.iter().zip(p.steps).filter(|(_, t)| !t.trim().is_empty()).map(|(step, text)| view! {
                            <li><span class="step">{*step}</span><p>{text}</p></li>
                        }).collect_view()}
                    </ol>
                </section>
            }.into_any(),
            None => state.unlocked.get().then(|| {
                let state = state.clone();
                view! {
                    <button type="button" class="button-secondary" on:click=move |_| {
                        state.crisis_open.set(false);
                        state.go(Screen::SafetyPlan);
                    }>"Make a safety plan"</button>
                }
            }).into_any(),
        }
    };
    view! {
        <section class="panel crisis-panel" aria-labelledby="hearth-crisis-title">
            <ScreenHeading id="hearth-crisis-title" text="Get help now" />
            {because}
            {urgent_view}
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
            {plan_view}
            <div class="crisis-choices">
                <button type="button" class="button-crisis" on:click=move |_| urgent.set(true)>
                    "I need help now"
                </button>
                <button type="button" class="button-secondary" on:click=move |_| on_close.run(())>
                    "I'm safe right now"
                </button>
                <button type="button" class="button-secondary" on:click=move |_| screening.set(Some(Screener::new()))>
                    "Answer six short questions"
                </button>
            </div>
            {move || screening.get().map(|s| view! { <ScreenerView screener=s screening=screening urgent=urgent /> })}
            <button type="button" class="button-secondary" on:click=move |_| on_close.run(())>
                "Close"
            </button>
        </section>
    }
}

/// The C-SSRS screener inside the crisis card: one yes/no question at a time, then the
/// triage in plain words (high also turns the card urgent).
#[component]
fn ScreenerView(
    screener: Screener,
    screening: RwSignal<Option<Screener>>,
    urgent: RwSignal<bool>,
) -> impl IntoView {
    let answer = move |yes: bool| {
        screening.update(|s| {
            if let Some(s) = s {
                let _ = s.answer(yes);
                if s.is_complete() && s.triage() == Risk::High {
                    urgent.set(true);
                }
            }
        })
    };
    let body = match screener.next() {
        Some(step) => view! {
            <p class="question-number">{format!("Question {} of 6", step.number())}</p>
            <p class="question" id="hearth-cssrs-q">{step.question()}</p>
            {step.examples().map(|e| view! { <p class="examples">{e}</p> })}
            <div class="answers" role="group" aria-labelledby="hearth-cssrs-q">
                <button type="button" class="button-secondary" on:click=move |_| answer(true)>"Yes"</button>
                <button type="button" class="button-secondary" on:click=move |_| answer(false)>"No"</button>
            </div>
        }
        .into_any(),
        None => {
            let text = match screener.triage() {
                Risk::High => "Your answers suggest you are at high risk right now. Please contact emergency services now, or call a crisis line above.",
                Risk::Moderate => "Your answers suggest you are at moderate risk. Please contact your clinician or a crisis line above today.",
                Risk::Low => "Your answers suggest a lower level of risk, but these thoughts matter. Please tell your clinician, and use the lines above if things get worse.",
                Risk::None => "Thank you for answering. If anything changes, the lines above are there any time.",
            };
            view! { <p class="triage" role="status">{text}</p> }.into_any()
        }
    };
    view! {
        <section class="card screener" aria-labelledby="hearth-cssrs-title">
            <h3 id="hearth-cssrs-title">"Six questions (C-SSRS screener)"</h3>
            {body}
        </section>
    }
}
